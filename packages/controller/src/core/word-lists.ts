/** Words for generated app names (ours; lowercase letters only). */
export const ADJECTIVES = [
  'amber', 'ancient', 'autumn', 'bold', 'brave', 'bright', 'calm', 'clever', 'cosmic', 'crimson',
  'curious', 'daring', 'dawn', 'deep', 'eager', 'early', 'electric', 'emerald', 'fancy', 'fearless',
  'gentle', 'giant', 'golden', 'grand', 'happy', 'hidden', 'honest', 'humble', 'icy', 'jolly',
  'keen', 'kind', 'lively', 'lucky', 'lunar', 'merry', 'mighty', 'misty', 'noble', 'quiet',
  'rapid', 'royal', 'rustic', 'silent', 'silver', 'solar', 'steady', 'swift', 'tidy', 'vivid',
] as const;

export const ANIMALS = [
  'badgers', 'bears', 'beavers', 'bison', 'camels', 'cats', 'cranes', 'crows', 'deer', 'dolphins',
  'eagles', 'falcons', 'ferrets', 'finches', 'foxes', 'frogs', 'geckos', 'geese', 'hares', 'hawks',
  'herons', 'ibexes', 'koalas', 'lemurs', 'lions', 'llamas', 'lynxes', 'moles', 'moose', 'newts',
  'otters', 'owls', 'pandas', 'parrots', 'pumas', 'rabbits', 'ravens', 'robins', 'salmon', 'seals',
  'sloths', 'sparrows', 'swans', 'tigers', 'toads', 'turtles', 'walruses', 'whales', 'wolves', 'yaks',
] as const;

export const PLACES = [
  'bay', 'beach', 'bluff', 'brook', 'canyon', 'cape', 'cliff', 'cove', 'creek', 'dale',
  'delta', 'dune', 'field', 'fjord', 'forest', 'glade', 'glen', 'grove', 'harbor', 'heath',
  'hill', 'hollow', 'island', 'lagoon', 'lake', 'marsh', 'meadow', 'mesa', 'moor', 'oasis',
  'orchard', 'peak', 'pond', 'prairie', 'reef', 'ridge', 'river', 'shore', 'spring', 'summit',
] as const;

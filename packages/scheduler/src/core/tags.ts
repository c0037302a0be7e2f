/** Host tag constraints (reference §6.1): every wanted key must equal the host's tag. */

export function tagsMatch(hostTags: Readonly<Record<string, string>>, want: Readonly<Record<string, string>> | undefined): boolean {
  if (!want) return true;
  for (const key in want) {
    if (hostTags[key] !== want[key]) return false;
  }
  return true;
}

/** `disk=ssd,zone=a` (keys sorted), for messages. */
export function formatTags(tags: Readonly<Record<string, string>>): string {
  return Object.keys(tags)
    .sort()
    .map((k) => `${k}=${tags[k]}`)
    .join(',');
}

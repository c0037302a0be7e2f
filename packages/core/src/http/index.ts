// Assembled by the maintainer; each helper module adds its own export lines below.
export {};

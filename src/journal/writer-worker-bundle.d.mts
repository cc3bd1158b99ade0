/** The URL of the journal writer's bundle (built if need be), or null when tsx must load it instead. */
export function writerBundle(): string | null;

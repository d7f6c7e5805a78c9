/**
 * The adapter reads a stream and then appends with the revision it read, so both must see the
 * leader: a follower may lag behind it. The gRPC side of the client prefers the leader by
 * default; its Rust read bridge has documented `random` as its default, so unless the operator
 * chose a preference, the adapter asks for the leader explicitly (both parse the same string).
 */
export function withLeaderPreference(connectionString: string): string {
  const query = connectionString.indexOf('?');
  const params = query < 0 ? '' : connectionString.slice(query + 1);
  const named = params
    .split('&')
    .some(
      (pair) => pair.split('=')[0]!.trim().toLowerCase().replace(/[_-]/g, '') === 'nodepreference',
    );
  if (named) return connectionString;
  if (query < 0) return `${connectionString}?nodePreference=leader`;
  return `${connectionString}${params === '' || params.endsWith('&') ? '' : '&'}nodePreference=leader`;
}

/** The preference the string names, lower-cased, or undefined. */
export function nodePreferenceOf(connectionString: string): string | undefined {
  const query = connectionString.indexOf('?');
  if (query < 0) return undefined;
  for (const pair of connectionString.slice(query + 1).split('&')) {
    const [key = '', value = ''] = pair.split('=');
    if (key.trim().toLowerCase().replace(/[_-]/g, '') === 'nodepreference') {
      return value.trim().toLowerCase();
    }
  }
  return undefined;
}

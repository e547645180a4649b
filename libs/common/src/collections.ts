/** Whether two lists hold the same values, in any order (a set of codes: languages, practice areas, states). */
export function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000');
}

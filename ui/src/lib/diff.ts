// Word-level differences between two texts (longest common subsequence), and whether two
// texts are related enough for a word diff to help a reader.
export interface Piece {
  text: string;
  changed: boolean;
}

/**
 * Texts whose word-level edit distance is at most this share of the longer text's words
 * are "related" (an edit of one another), and the comparison marks the words that
 * changed. Above it (two different sentences) a word diff marks nearly everything and
 * reads as noise, so both texts are shown plainly.
 */
export const RELATED_MAX_EDIT_SHARE = 0.5;

const words = (s: string) => s.split(/\s+/).filter(Boolean);

/** Levenshtein distance over words (insertions, deletions, substitutions of one word). */
export function wordEditDistance(a: string, b: string): number {
  const x = words(a);
  const y = words(b);
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[y.length];
}

/** Whether ``b`` reads as an edit of ``a`` (see RELATED_MAX_EDIT_SHARE). */
export function related(a: string, b: string): boolean {
  const n = Math.max(words(a).length, words(b).length);
  if (n === 0 || a === b) return true;
  if (n > 2000) return false;
  return wordEditDistance(a, b) / n <= RELATED_MAX_EDIT_SHARE;
}

export function wordDiff(a: string, b: string): { a: Piece[]; b: Piece[] } {
  const x = a.split(/(\s+)/).filter((t) => t !== "");
  const y = b.split(/(\s+)/).filter((t) => t !== "");
  if (x.length * y.length > 250_000) return { a: [{ text: a, changed: a !== b }], b: [{ text: b, changed: a !== b }] };
  const n = x.length, m = y.length;
  const dp: Uint16Array[] = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) dp[i][j] = x[i] === y[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  const pa: Piece[] = [], pb: Piece[] = [];
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      pa.push({ text: x[i++], changed: false });
      pb.push({ text: y[j++], changed: false });
    } else if (j < m && (i >= n || dp[i][j + 1] >= dp[i + 1][j])) pb.push({ text: y[j++], changed: true });
    else pa.push({ text: x[i++], changed: true });
  }
  return { a: pa, b: pb };
}

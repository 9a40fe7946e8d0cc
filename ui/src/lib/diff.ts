// Word-level differences between two texts (longest common subsequence).
export interface Piece {
  text: string;
  changed: boolean;
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

// An N-dimensional transpose on 32-bit words (float32 or int32 bits), for
// the wasm backend, whose own Transpose kernel walks one element at a time
// through index arithmetic. Axes that stay neighbours are merged first; a
// permutation that keeps the last axis then copies whole rows, and any other
// one becomes tiled 2-D transposes between the input's last axis and the
// output's last axis.

const TILE = 32;

/** Drops unit axes and merges runs of axes that stay adjacent. */
function simplify(
  shape: readonly number[],
  perm: readonly number[],
): { shape: number[]; perm: number[] } {
  const kept = perm.filter((axis) => shape[axis] !== 1);
  const order = [...kept].sort((a, b) => a - b);
  const rank = new Map(order.map((axis, i) => [axis, i]));
  const squeezedShape = order.map((axis) => shape[axis]);
  const squeezedPerm = kept.map((axis) => rank.get(axis)!);
  // Merge input axes i, i+1 when the output also has them side by side.
  const groups: number[][] = [];
  for (const axis of squeezedPerm) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[last.length - 1] + 1 === axis) {
      last.push(axis);
    } else {
      groups.push([axis]);
    }
  }
  const byFirst = [...groups].sort((a, b) => a[0] - b[0]);
  const index = new Map(byFirst.map((group, i) => [group[0], i]));
  return {
    shape: byFirst.map((group) =>
      group.reduce((size, axis) => size * squeezedShape[axis], 1)
    ),
    perm: groups.map((group) => index.get(group[0])!),
  };
}

function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

/** Calls `visit(sourceOffset, targetOffset)` for every combination of the
 * given axes (odometer order). */
function forEachOffset(
  sizes: readonly number[],
  sourceStrides: readonly number[],
  targetStrides: readonly number[],
  visit: (source: number, target: number) => void,
): void {
  const count = sizes.length;
  const index = new Array<number>(count).fill(0);
  let source = 0;
  let target = 0;
  while (true) {
    visit(source, target);
    let axis = count - 1;
    while (axis >= 0) {
      index[axis]++;
      source += sourceStrides[axis];
      target += targetStrides[axis];
      if (index[axis] < sizes[axis]) break;
      source -= sourceStrides[axis] * sizes[axis];
      target -= targetStrides[axis] * sizes[axis];
      index[axis] = 0;
      axis--;
    }
    if (axis < 0) return;
  }
}

/** Writes `source` (row-major, `shape`) permuted by `perm` into `target`. */
export function transposeWords(
  source: Int32Array,
  target: Int32Array,
  shape: readonly number[],
  perm: readonly number[],
): void {
  const simple = simplify(shape, perm);
  const rank = simple.shape.length;
  if (rank <= 1) {
    target.set(source.subarray(0, target.length));
    return;
  }
  const inStrides = stridesOf(simple.shape);
  const outShape = simple.perm.map((axis) => simple.shape[axis]);
  const outStrides = stridesOf(outShape);
  const last = rank - 1;
  if (simple.perm[last] === last) {
    // Whole rows of the last axis move.
    const row = simple.shape[last];
    forEachOffset(
      outShape.slice(0, last),
      simple.perm.slice(0, last).map((axis) => inStrides[axis]),
      outStrides.slice(0, last),
      row >= 64
        ? (from, to) => target.set(source.subarray(from, from + row), to)
        : (from, to) => {
          for (let e = 0; e < row; e++) target[to + e] = source[from + e];
        },
    );
    return;
  }
  // Tiled 2-D transposes: input axis `last` (contiguous in the source)
  // against input axis `across` (contiguous in the target).
  const across = simple.perm[last];
  const positionOfLast = simple.perm.indexOf(last);
  const rows = simple.shape[across];
  const cols = simple.shape[last];
  const sourceRow = inStrides[across];
  const targetRow = outStrides[positionOfLast];
  const outer = [...Array(rank).keys()].filter((p) =>
    p !== last && p !== positionOfLast
  );
  const tile = (from: number, to: number) => {
    for (let r0 = 0; r0 < rows; r0 += TILE) {
      const r1 = Math.min(rows, r0 + TILE);
      for (let c0 = 0; c0 < cols; c0 += TILE) {
        const c1 = Math.min(cols, c0 + TILE);
        for (let c = c0; c < c1; c++) {
          const t = to + c * targetRow;
          const s = from + c;
          for (let r = r0; r < r1; r++) {
            target[t + r] = source[s + r * sourceRow];
          }
        }
      }
    }
  };
  if (outer.length === 0) {
    tile(0, 0);
    return;
  }
  forEachOffset(
    outer.map((p) => outShape[p]),
    outer.map((p) => inStrides[simple.perm[p]]),
    outer.map((p) => outStrides[p]),
    tile,
  );
}

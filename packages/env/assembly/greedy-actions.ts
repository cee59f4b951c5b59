// GreedyActions' hot path (AssemblyScript, plain WebAssembly, built by scripts/build-wasm.mjs): the greedy
// action of every row of a q table in one call. The JavaScript GreedyActions owns the memory layout and keeps
// its arrays as views of this memory (so onnxruntime writes q straight into it); src/greedy-actions.ts has the
// same scan in JavaScript (the fallback and the test oracle). Rows whose scan meets a value equal to the best
// so far are not decided here: they are listed for the caller, who breaks the tie with its generator in row
// order, so the draws are the ones a scan of every row in order makes.

const ACTIONS: i32 = 5;

let pQ: usize = 0; // f32[rows·5]
let pActions: usize = 0; // i32[N], by env
let pFinished: usize = 0; // u8[N], by env: 1 = the env's action is not chosen
let pRowEnv: usize = 0; // i32[rows]: the env of each row (compacted batches)
let pTies: usize = 0; // i32[rows]: the rows left to the caller

export function configure(q: usize, actions: usize, finished: usize, rowEnv: usize, ties: usize): void {
  pQ = q;
  pActions = actions;
  pFinished = finished;
  pRowEnv = rowEnv;
  pTies = ties;
}

export function heapBase(): usize {
  return __heap_base;
}

/**
 * For row k < rows (env i = rowEnv[k] when `compacted`, else k) whose env is not finished: actions[i] = the
 * index of the largest of q[5k … 5k+4], unless the scan from index 0 upwards meets a value equal to the
 * largest so far; those rows go to ties[0 … returned count), in increasing k, and their actions are left.
 * Compares on f32 (the same results as on their float64 values), without branches on q.
 */
export function choose(rows: i32, compacted: i32): i32 {
  let count = 0;
  for (let k = 0; k < rows; k++) {
    const i = compacted != 0 ? load<i32>(pRowEnv + (<usize>k << 2)) : k;
    if (load<u8>(pFinished + <usize>i) != 0) continue;
    const b = pQ + (<usize>(k * ACTIONS) << 2);
    const q1 = load<f32>(b, 4);
    const q2 = load<f32>(b, 8);
    const q3 = load<f32>(b, 12);
    const q4 = load<f32>(b, 16);
    // only the index moves (an integer select, which V8 compiles without a branch; a float select gets one,
    // which random q-values would mispredict); the largest so far is read back at it
    let value = load<f32>(b);
    let tie = <i32>(q1 == value);
    let index = select<i32>(1, 0, q1 > value);
    value = load<f32>(b + (<usize>index << 2));
    tie |= <i32>(q2 == value);
    index = select<i32>(2, index, q2 > value);
    value = load<f32>(b + (<usize>index << 2));
    tie |= <i32>(q3 == value);
    index = select<i32>(3, index, q3 > value);
    value = load<f32>(b + (<usize>index << 2));
    tie |= <i32>(q4 == value);
    index = select<i32>(4, index, q4 > value);
    if (tie != 0) {
      store<i32>(pTies + (<usize>count << 2), k);
      count++;
    } else {
      store<i32>(pActions + (<usize>i << 2), index);
    }
  }
  return count;
}

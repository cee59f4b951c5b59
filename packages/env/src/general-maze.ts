import { bfsFromGoal } from './bfs.js';
import { PrnnError, type Rng } from '@prnn/core';
import type { MazeSet } from './maze-set.js';

const TWO_POW_32 = 4294967296;
/** 2^−32, as Rng's float(): a word times it is exact. */
const INV_TWO_POW_32 = 1 / TWO_POW_32;
/** Distance rows kept per scratch: every d_max of a 9×9 maze (≤ 80), 33 KB per table. */
const CACHED_ROWS = 128;
/** The walk's step table is kept for up to this many rooms (17×17 rooms, a 33×33 maze: 74 KB). */
const MAX_TABLE_ROOMS = 289;
/** A step-table entry whose 8 top bits do not decide the neighbour alone. */
const UNDECIDED = -1;

/**
 * ⌊x·n / 2^32⌋ for a 32-bit word x and n ≤ 4 — Lemire's map of Rng.int(n) — in 32-bit integer halves
 * (no float conversion or rounding on the walk's dependency chain).
 */
function scaledIndex(x: number, n: number): number {
  return ((x >>> 16) * n + (((x & 0xffff) * n) >>> 16)) >>> 16;
}

/** Preallocated per-size working memory and tables, so generating a maze allocates nothing. */
class GeneralScratch {
  readonly size: number;
  readonly channels: number;
  /** Rooms per axis, k = (N − 1)/2. */
  readonly rooms: number;
  /** Grid cell of room r. */
  readonly roomCell: Int32Array;
  /** Up to 4 neighbouring rooms of room r at [r*4 + j], j < neighbourCount[r]. */
  readonly neighbours: Int32Array;
  readonly neighbourCount: Uint8Array;
  /**
   * Lemire's rejection threshold (2^32 − n) mod n for n = neighbourCount[r]: a draw x is redrawn while
   * (x·n) mod 2^32 is below it, exactly as Rng.int(n) does (0 for n = 2 and 4, 1 for n = 3).
   */
  readonly rejectBelow: Uint32Array;
  /**
   * The walk's next room from room r and the top 8 bits t of the draw, at [r*256 + t]: the room rng.int(n)
   * would pick for every word with those bits, or UNDECIDED where the bits straddle a boundary (n = 3, t =
   * 85 or 170). Undefined above MAX_TABLE_ROOMS rooms.
   */
  readonly stepTable: Int16Array | undefined;
  readonly visited: Uint8Array;
  readonly queue: Int32Array;
  /** The open cells of the maze being generated, in ascending order (the order of the per-cell draws). */
  readonly openCells: Int32Array;
  /** The cells the walk can open (rooms and the walls between them), ascending: all that is open without wall sparsity. */
  readonly carvable: Int32Array;
  readonly carvableCount: number;
  /**
   * p(x) = (d_max − d)/d_max and p(x)/C for d = 0 … d_max, as float32, at [d_max(d_max+1)/2 + d]; a row is
   * computed the first time a maze has that d_max (rowReady), so cues and progress take no division.
   */
  readonly progressByDistance: Float32Array;
  readonly cueByDistance: Float32Array;
  readonly rowReady: Uint8Array;
  readonly corners: Int32Array;
  readonly openCorners = new Int32Array(4);
  /** The Rng's four state words while the walk runs on them in locals (see carveRooms). */
  readonly rngWords = new Int32Array(4);
  /** One cell's worth of Gaussian samples (channels ≤ 64). */
  readonly noise = new Float64Array(64);

  constructor(size: number, channels: number) {
    this.size = size;
    this.channels = channels;
    const k = (size - 1) / 2;
    const roomTotal = k * k;
    this.rooms = k;
    this.roomCell = new Int32Array(roomTotal);
    this.neighbours = new Int32Array(roomTotal * 4);
    this.neighbourCount = new Uint8Array(roomTotal);
    this.rejectBelow = new Uint32Array(roomTotal);
    this.visited = new Uint8Array(roomTotal);
    this.queue = new Int32Array(size * size);
    this.openCells = new Int32Array(size * size);
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        const r = a * k + b;
        this.roomCell[r] = (2 * a + 1) * size + (2 * b + 1);
        let n = 0;
        if (b > 0) this.neighbours[r * 4 + n++] = r - 1;
        if (b < k - 1) this.neighbours[r * 4 + n++] = r + 1;
        if (a > 0) this.neighbours[r * 4 + n++] = r - k;
        if (a < k - 1) this.neighbours[r * 4 + n++] = r + k;
        this.neighbourCount[r] = n;
        this.rejectBelow[r] = (TWO_POW_32 - n) % n;
      }
    }
    this.stepTable = roomTotal <= MAX_TABLE_ROOMS ? this.buildStepTable(roomTotal) : undefined;
    const carvable: number[] = [];
    for (let row = 1; row < size - 1; row++) {
      for (let col = 1; col < size - 1; col++) if ((row & 1) === 1 || (col & 1) === 1) carvable.push(row * size + col);
    }
    this.carvable = Int32Array.from(carvable);
    this.carvableCount = carvable.length;
    // rows for d_max < CACHED_ROWS, then one row that longer mazes recompute each time
    const length = (CACHED_ROWS * (CACHED_ROWS + 1)) / 2 + size * size;
    this.progressByDistance = new Float32Array(length);
    this.cueByDistance = new Float32Array(length);
    this.rowReady = new Uint8Array(CACHED_ROWS);
    const last = size - 2;
    this.corners = Int32Array.of(size + 1, size + last, last * size + 1, last * size + last);
  }

  private buildStepTable(roomTotal: number): Int16Array {
    const table = new Int16Array(roomTotal * 256);
    for (let r = 0; r < roomTotal; r++) {
      const n = this.neighbourCount[r];
      for (let t = 0; t < 256; t++) {
        const first = scaledIndex(t * 2 ** 24, n);
        const last = scaledIndex(t * 2 ** 24 + 0xffffff, n);
        table[r * 256 + t] = first === last ? this.neighbours[r * 4 + first] : UNDECIDED;
      }
    }
    return table;
  }

  /** The room rng.int(n) picks from `room` given its first word `x` (drawing more words while Lemire rejects). */
  exactStep(room: number, x: number, rng: Rng): number {
    const n = this.neighbourCount[room];
    while (Math.imul(x, n) >>> 0 < this.rejectBelow[room]) x = rng.nextUint32();
    return this.neighbours[room * 4 + scaledIndex(x, n)];
  }

  /** Offset of d_max's row in progressByDistance / cueByDistance (d_max ≥ 1), filling it if needed. */
  distanceRow(dMax: number): number {
    const cached = dMax < CACHED_ROWS;
    const row = cached ? (dMax * (dMax + 1)) / 2 : (CACHED_ROWS * (CACHED_ROWS + 1)) / 2;
    if (!cached || this.rowReady[dMax] === 0) {
      for (let d = 0; d <= dMax; d++) {
        this.progressByDistance[row + d] = (dMax - d) / dMax;
        this.cueByDistance[row + d] = (dMax - d) / dMax / this.channels;
      }
      if (cached) this.rowReady[dMax] = 1;
    }
    return row;
  }
}

let scratch: GeneralScratch | undefined;

function scratchFor(size: number, channels: number): GeneralScratch {
  if (scratch === undefined || scratch.size !== size || scratch.channels !== channels) scratch = new GeneralScratch(size, channels);
  return scratch;
}

/**
 * docs/spec.md §1.1 step 1 on the walls of one maze (all wall on entry): an Aldous–Broder walk over the rooms.
 * Every room is visited, so all are opened up front; the walk opens the wall to each room it enters first.
 * With `skipLastRoom` (the reference quirk) the room entered last is closed again.
 */
function carveRooms(s: GeneralScratch, walls: Uint8Array, base: number, rng: Rng, skipLastRoom: boolean): void {
  const roomTotal = s.rooms * s.rooms;
  const { visited, roomCell, stepTable } = s;
  for (let r = 0; r < roomTotal; r++) walls[base + roomCell[r]] = 0;
  visited.fill(0);
  let room = rng.int(roomTotal);
  visited[room] = 1;
  let unvisited = roomTotal - 1;
  if (stepTable === undefined) {
    while (unvisited > 0) {
      const next = s.exactStep(room, rng.nextUint32(), rng);
      const fresh = 1 - visited[next];
      visited[next] = 1;
      unvisited -= fresh;
      walls[base + ((roomCell[room] + roomCell[next]) >> 1)] &= 1 - fresh;
      room = next;
    }
  } else {
    // The walk's words drawn with the generator's state in locals (saved out of the Rng here and back
    // after the walk): the same xoshiro128** steps as rng.nextUint32(), without a load and store of its four
    // state fields per step.
    const words = s.rngWords;
    rng.saveWords(words, 0);
    let s0 = words[0];
    let s1 = words[1];
    let s2 = words[2];
    let s3 = words[3];
    while (unvisited > 0) {
      const scrambled = Math.imul(s1, 5);
      const x = Math.imul((scrambled << 7) | (scrambled >>> 25), 9) >>> 0;
      const t = s1 << 9;
      const b = s2 ^ s0;
      const e = s3 ^ s1;
      s1 ^= b;
      s0 ^= e;
      s2 = b ^ t;
      s3 = (e << 11) | (e >>> 21);
      // the room rng.int(neighbour count) picks, from the word it draws: by table where the top bits decide
      // (all but 2 of 256 values for 3 neighbours), else exactly as Rng.int; x = 0 is Lemire's one rejection
      let next = stepTable[(room << 8) | (x >>> 24)];
      if (next === UNDECIDED || x === 0) {
        // rare: the exact draw, which may take more words, through the Rng itself
        words[0] = s0;
        words[1] = s1;
        words[2] = s2;
        words[3] = s3;
        rng.loadWords(words, 0);
        next = s.exactStep(room, x, rng);
        rng.saveWords(words, 0);
        s0 = words[0];
        s1 = words[1];
        s2 = words[2];
        s3 = words[3];
      }
      // without a branch on the walk's random course: `fresh` is 1 when `next` is entered for the first time
      const fresh = 1 - visited[next];
      visited[next] = 1;
      unvisited -= fresh;
      walls[base + ((roomCell[room] + roomCell[next]) >> 1)] &= 1 - fresh;
      room = next;
    }
    words[0] = s0;
    words[1] = s1;
    words[2] = s2;
    words[3] = s3;
    rng.loadWords(words, 0);
  }
  if (skipLastRoom) walls[base + roomCell[room]] = 1;
}

/**
 * Generates a General maze (docs/spec.md §1.1) into slot `slot` of `set`, drawing every random number from `rng`.
 * Order of draws: Aldous–Broder walk, wall sparsity, start/goal, maze noise, cue sparsity.
 */
export function generateGeneralMaze(set: MazeSet, slot: number, rng: Rng): void {
  const { size, channels, wallSparsity, mazeNoise, cueSparsity, compat } = set.options;
  const s = scratchFor(size, channels);
  const cells = set.cellCount;
  const base = slot * cells;
  const walls = set.walls;
  walls.fill(1, base, base + cells);

  // 1. Aldous–Broder over rooms
  carveRooms(s, walls, base, rng, compat === 'reference');

  // 2. Wall sparsity: inner wall cells open independently with probability w
  if (wallSparsity > 0) {
    for (let row = 1; row < size - 1; row++) {
      for (let c = base + row * size + 1, end = base + row * size + size - 1; c < end; c++) {
        if (walls[c] === 1 && rng.chance(wallSparsity)) walls[c] = 0;
      }
    }
  }

  // 3. Start and goal: two distinct open corner rooms, start first
  const openCorners = s.openCorners;
  let open = 0;
  for (let j = 0; j < 4; j++) {
    if (walls[base + s.corners[j]] === 0) openCorners[open++] = s.corners[j];
  }
  if (open < 2) throw new PrnnError(`internal: a General maze needs two open corner rooms (got ${open})`);
  const startIndex = rng.int(open);
  let goalIndex = rng.int(open - 1);
  if (goalIndex >= startIndex) goalIndex++;
  set.start[slot] = openCorners[startIndex];
  set.goal[slot] = openCorners[goalIndex];

  // 4–5. Distance map, progress, fastest solution (docs/spec.md §1.1; as fillDistanceFields, with the divisions
  // looked up by distance)
  const queue = s.queue;
  const distance = set.distance;
  const reached = bfsFromGoal(walls, base, size, set.goal[slot], distance, queue);
  const dMax = distance[base + queue[reached - 1]];
  set.dMax[slot] = dMax;
  set.fastestSolution[slot] = distance[base + set.start[slot]] - 1;

  // 6. Cues: p(x)/C on every channel of the reached cells; walls and open cells that wall sparsity cut off
  // from the goal (p(x) = 0) keep cue 0 and progress 0. Two distinct open corners are connected, so d_max ≥ 1.
  const progress = set.progress;
  const cues = set.cues;
  const cueBase = base * channels;
  progress.fill(0, base, base + cells);
  cues.fill(0, cueBase, cueBase + cells * channels);
  const row = s.distanceRow(dMax);
  const progressByDistance = s.progressByDistance;
  const cueByDistance = s.cueByDistance;
  for (let k = 0; k < reached; k++) {
    const c = queue[k];
    const d = row + distance[base + c];
    progress[base + c] = progressByDistance[d];
    const cue = cueByDistance[d];
    for (let ch = 0, o = cueBase + c * channels; ch < channels; ch++) cues[o + ch] = cue;
  }
  if (!(mazeNoise > 0) && !(cueSparsity > 0)) return;

  // the open cells in ascending order, gathered without a branch on the wall pattern (among the cells the
  // walk can open, unless wall sparsity may have opened others)
  const openCells = s.openCells;
  let openCount = 0;
  if (wallSparsity > 0) {
    for (let c = 0; c < cells; c++) {
      openCells[openCount] = c;
      openCount += 1 - walls[base + c];
    }
  } else {
    const carvable = s.carvable;
    for (let k = 0, end = s.carvableCount; k < end; k++) {
      const c = carvable[k];
      openCells[openCount] = c;
      openCount += 1 - walls[base + c];
    }
  }

  // 7. Maze noise, clipped to [0, 1]
  if (mazeNoise > 0) {
    const noise = s.noise;
    for (let k = 0; k < openCount; k++) {
      rng.fillNormal(noise, 0, channels);
      for (let ch = 0, o = cueBase + openCells[k] * channels; ch < channels; ch++) {
        const v = cues[o + ch] + mazeNoise * noise[ch];
        cues[o + ch] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
  }

  // 8. Cue sparsity: an open cell loses all its cues with probability q
  // (rng.chance's draw and comparison, with the generator's state in locals as in carveRooms)
  if (cueSparsity > 0) {
    const words = s.rngWords;
    rng.saveWords(words, 0);
    let s0 = words[0];
    let s1 = words[1];
    let s2 = words[2];
    let s3 = words[3];
    for (let k = 0; k < openCount; k++) {
      const scrambled = Math.imul(s1, 5);
      const x = Math.imul((scrambled << 7) | (scrambled >>> 25), 9) >>> 0;
      const t = s1 << 9;
      const b = s2 ^ s0;
      const e = s3 ^ s1;
      s1 ^= b;
      s0 ^= e;
      s2 = b ^ t;
      s3 = (e << 11) | (e >>> 21);
      if (x * INV_TWO_POW_32 < cueSparsity) {
        const o = cueBase + openCells[k] * channels;
        for (let ch = 0; ch < channels; ch++) cues[o + ch] = 0;
      }
    }
    words[0] = s0;
    words[1] = s1;
    words[2] = s2;
    words[3] = s3;
    rng.loadWords(words, 0);
  }
}

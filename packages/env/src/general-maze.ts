import { fillDistanceFields } from './bfs.js';
import { PrnnError } from './errors.js';
import type { MazeSet } from './maze-set.js';
import type { Rng } from './rng.js';

/** Preallocated per-size working memory, so generating a maze allocates nothing. */
class GeneralScratch {
  readonly size: number;
  /** Rooms per axis, k = (N − 1)/2. */
  readonly rooms: number;
  /** Grid cell of room r. */
  readonly roomCell: Int32Array;
  /** Up to 4 neighbouring rooms of room r at [r*4 + j], j < neighbourCount[r]. */
  readonly neighbours: Int32Array;
  readonly neighbourCount: Uint8Array;
  readonly visited: Uint8Array;
  readonly queue: Int32Array;
  readonly corners: Int32Array;
  readonly openCorners = new Int32Array(4);
  /** One cell's worth of Gaussian samples (channels ≤ 64). */
  readonly noise = new Float64Array(64);

  constructor(size: number) {
    this.size = size;
    const k = (size - 1) / 2;
    this.rooms = k;
    this.roomCell = new Int32Array(k * k);
    this.neighbours = new Int32Array(k * k * 4);
    this.neighbourCount = new Uint8Array(k * k);
    this.visited = new Uint8Array(k * k);
    this.queue = new Int32Array(size * size);
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
      }
    }
    const last = size - 2;
    this.corners = Int32Array.of(size + 1, size + last, last * size + 1, last * size + last);
  }
}

let scratch: GeneralScratch | undefined;

function scratchFor(size: number): GeneralScratch {
  if (scratch === undefined || scratch.size !== size) scratch = new GeneralScratch(size);
  return scratch;
}

/**
 * Generates a General maze (SPEC §1.1) into slot `slot` of `set`, drawing every random number from `rng`.
 * Order of draws: Aldous–Broder walk, wall sparsity, start/goal, maze noise, cue sparsity.
 */
export function generateGeneralMaze(set: MazeSet, slot: number, rng: Rng): void {
  const { size, channels, wallSparsity, mazeNoise, cueSparsity, compat } = set.options;
  const s = scratchFor(size);
  const cells = set.cellCount;
  const base = slot * cells;
  const walls = set.walls;
  walls.fill(1, base, base + cells);

  // 1. Aldous–Broder over rooms
  const roomTotal = s.rooms * s.rooms;
  const { visited, neighbours, neighbourCount, roomCell } = s;
  visited.fill(0);
  let room = rng.int(roomTotal);
  visited[room] = 1;
  walls[base + roomCell[room]] = 0;
  let unvisited = roomTotal - 1;
  const skipLastRoom = compat === 'reference';
  while (unvisited > 0) {
    const next = neighbours[room * 4 + rng.int(neighbourCount[room])];
    if (visited[next] === 0) {
      visited[next] = 1;
      unvisited--;
      const from = roomCell[room];
      const to = roomCell[next];
      walls[base + ((from + to) >> 1)] = 0;
      if (unvisited > 0 || !skipLastRoom) walls[base + to] = 0;
    }
    room = next;
  }

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

  // 4–5. Distance map, progress, fastest solution
  fillDistanceFields(set, slot, s.queue);

  // 6. Cues: p(x)/C on every channel of open cells
  const cues = set.cues;
  const distance = set.distance;
  const dMax = set.dMax[slot];
  const cueBase = base * channels;
  cues.fill(0, cueBase, cueBase + cells * channels);
  for (let c = 0; c < cells; c++) {
    // an open cell that wall sparsity cut off from the goal (d = −1) has p(x) = 0, so cue 0
    if (walls[base + c] !== 0 || distance[base + c] < 0) continue;
    const cue = (dMax - distance[base + c]) / dMax / channels;
    for (let ch = 0, o = cueBase + c * channels; ch < channels; ch++) cues[o + ch] = cue;
  }

  // 7. Maze noise, clipped to [0, 1]
  if (mazeNoise > 0) {
    for (let c = 0; c < cells; c++) {
      if (walls[base + c] !== 0) continue;
      const noise = s.noise;
      rng.fillNormal(noise, 0, channels);
      for (let ch = 0, o = cueBase + c * channels; ch < channels; ch++) {
        const v = cues[o + ch] + mazeNoise * noise[ch];
        cues[o + ch] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
  }

  // 8. Cue sparsity: an open cell loses all its cues with probability q
  if (cueSparsity > 0) {
    for (let c = 0; c < cells; c++) {
      if (walls[base + c] !== 0) continue;
      if (rng.chance(cueSparsity)) cues.fill(0, cueBase + c * channels, cueBase + (c + 1) * channels);
    }
  }
}

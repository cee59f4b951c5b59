import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PrnnError, crc32, testFaultPoint, writeFileAtomic } from '@prnn/core';
import type { LearnerState } from '../sdk/learner.js';
import { bytesToFloat32, float32ToBytes, writeJsonAtomic } from './atomic-write.js';

/** Value of `format` in a checkpoint's state file. */
export const CHECKPOINT_FORMAT = 'prnn-checkpoint';
/** Version of the checkpoint layout this code writes and reads. */
export const CHECKPOINT_VERSION = 1;

/** Which run and which population a checkpoint belongs to. */
export interface CheckpointIdentity {
  readonly fingerprint: string;
  /** Ids of the networks of the population being trained. */
  readonly members: readonly string[];
}

interface CheckpointManifest {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: number;
  readonly fingerprint: string;
  readonly members: readonly string[];
  readonly learner: string;
  readonly episode: number;
  readonly json: Readonly<Record<string, unknown>>;
  readonly dataFile: string;
  readonly bytes: number;
  readonly crc32: number;
  readonly tensors: readonly { name: string; shape: number[]; offset: number; length: number }[];
}

/**
 * The directory of a checkpoint: `checkpoint/` for a population trained as one piece, `checkpoint/<slot>/`
 * for one slice of a population trained on several worker threads.
 */
export function checkpointDir(runDir: string, slot?: string): string {
  if (slot !== undefined && !/^slice-\d+$/.test(slot)) throw new PrnnError(`checkpoint slot must look like slice-<n> (got ${JSON.stringify(slot)})`);
  return slot === undefined ? join(runDir, 'checkpoint') : join(runDir, 'checkpoint', slot);
}

/**
 * Writes the state to checkpoint/ (or its slot): the tensors into a fresh `state-<episode>.bin`, then the manifest that
 * points at it (atomic rename), then removes older data files. A crash at any point leaves the previous
 * checkpoint readable.
 */
export async function saveCheckpoint(runDir: string, identity: CheckpointIdentity, state: LearnerState, slot?: string): Promise<void> {
  const dir = checkpointDir(runDir, slot);
  const entries: { name: string; shape: number[]; offset: number; length: number }[] = [];
  let total = 0;
  for (const [name, t] of Object.entries(state.tensors)) {
    entries.push({ name, shape: [...t.shape], offset: total, length: t.data.length });
    total += t.data.length;
  }
  const flat = new Float32Array(total);
  for (const e of entries) flat.set(state.tensors[e.name].data, e.offset);
  const bytes = float32ToBytes(flat);
  const dataFile = `state-${state.episode}.bin`;
  await writeFileAtomic(join(dir, dataFile), bytes, { createDirectory: true });
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    fingerprint: identity.fingerprint,
    members: identity.members,
    learner: state.learner,
    episode: state.episode,
    json: state.json,
    dataFile,
    bytes: bytes.length,
    crc32: crc32(bytes),
    tensors: entries,
  };
  await writeJsonAtomic(join(dir, 'manifest.json'), manifest);
  for (const f of await readdir(dir)) {
    if (f.startsWith('state-') && f.endsWith('.bin') && f !== dataFile) await rm(join(dir, f), { force: true });
  }
  testFaultPoint('checkpoint');
}

/**
 * The checkpoint of `identity`'s population, or undefined when there is none or it belongs to another
 * population of the same run (an earlier chunk). A checkpoint of another run, or a damaged one, is an error.
 */
export async function loadCheckpoint(runDir: string, identity: CheckpointIdentity, slot?: string): Promise<LearnerState | undefined> {
  const dir = checkpointDir(runDir, slot);
  let text: string;
  try {
    text = await readFile(join(dir, 'manifest.json'), 'utf8');
  } catch {
    return undefined;
  }
  let m: CheckpointManifest;
  try {
    m = JSON.parse(text) as CheckpointManifest;
  } catch {
    throw new PrnnError(`checkpoint ${join(dir, 'manifest.json')} is corrupted (not valid JSON)`);
  }
  if (m.format !== CHECKPOINT_FORMAT || m.version !== CHECKPOINT_VERSION || !Array.isArray(m.tensors)) {
    throw new PrnnError(`checkpoint ${join(dir, 'manifest.json')} is not a prnn checkpoint of version ${CHECKPOINT_VERSION}`);
  }
  if (m.fingerprint !== identity.fingerprint) {
    throw new PrnnError(`checkpoint in ${dir} belongs to a different run (fingerprint ${m.fingerprint}, expected ${identity.fingerprint})`);
  }
  if (m.members.length !== identity.members.length || m.members.some((id, i) => id !== identity.members[i])) {
    return undefined;
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(join(dir, m.dataFile));
  } catch {
    throw new PrnnError(`checkpoint data ${join(dir, m.dataFile)} is missing`);
  }
  if (bytes.length !== m.bytes || crc32(bytes) !== m.crc32) {
    throw new PrnnError(`checkpoint data ${join(dir, m.dataFile)} is corrupted (size or CRC-32 mismatch)`);
  }
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const e of m.tensors) {
    if (e.offset + e.length > bytes.length / 4) throw new PrnnError(`checkpoint tensor ${e.name} lies outside its data file`);
    const data = bytesToFloat32(bytes, e.offset * 4, e.length);
    if (!data.every(Number.isFinite)) throw new PrnnError(`checkpoint data ${join(dir, m.dataFile)} holds non-finite values (in ${e.name}); refusing to resume from it`);
    tensors[e.name] = { shape: e.shape, data };
  }
  return { learner: m.learner, episode: m.episode, json: m.json, tensors };
}

/**
 * The checkpoints present (the population's one in checkpoint/, and those of slices in checkpoint/slice-<n>/)
 * with the networks each covers. Only their manifests are read; `loadCheckpoint` verifies the data.
 */
export async function listCheckpoints(runDir: string): Promise<{ slot?: string; members: readonly string[] }[]> {
  const root = checkpointDir(runDir);
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch {
    return [];
  }
  const slots: (string | undefined)[] = [undefined, ...entries.filter((e) => /^slice-\d+$/.test(e)).sort()];
  const out: { slot?: string; members: readonly string[] }[] = [];
  for (const slot of slots) {
    const file = join(checkpointDir(runDir, slot), 'manifest.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    let m: Partial<CheckpointManifest>;
    try {
      m = JSON.parse(text) as Partial<CheckpointManifest>;
    } catch {
      throw new PrnnError(`checkpoint ${file} is corrupted (not valid JSON)`);
    }
    if (!Array.isArray(m.members)) throw new PrnnError(`checkpoint ${file} is not a prnn checkpoint of version ${CHECKPOINT_VERSION}`);
    out.push({ ...(slot !== undefined ? { slot } : {}), members: m.members });
  }
  return out;
}

/** Deletes the run's checkpoint directory (no error when there is none). */
export async function removeCheckpoint(runDir: string): Promise<void> {
  await rm(join(runDir, 'checkpoint'), { recursive: true, force: true });
}

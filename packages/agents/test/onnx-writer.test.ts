import { describe, expect, test } from 'vitest';
import onnxProto from 'onnx-proto';
import { Rng, crc32 } from '@prnn/core';
import { initWeights, parseArch } from '../src/architectures/nine-pathway/family.js';
import { buildNinePathwayOnnx } from '../src/onnx/nine-pathway-onnx.js';
import { readOnnxModelHeader } from '../src/onnx/onnx-metadata-reader.js';
import { encodeOnnxModel, OnnxDataType } from '../src/onnx/onnx-proto-writer.js';

// onnx-proto bundles an independent (generated) codec of the ONNX schema: decoding prnn's bytes with it
// checks the field numbers of every message we write, including the ones onnxruntime ignores.
const { onnx } = onnxProto as unknown as { onnx: any };

describe('ONNX writer', () => {
  test('a 9-pathway export decodes with the reference schema codec', () => {
    const arch = parseArch('hh+oh');
    const weights = initWeights(arch, Rng.derive(3, 1));
    const bytes = buildNinePathwayOnnx(arch, weights, { 'prnn.seed': '3' });
    const model = onnx.ModelProto.decode(bytes);
    expect(Number(model.irVersion)).toBe(8);
    expect(model.producerName).toBe('prnn');
    expect(model.producerVersion).toBe('0.1.0');
    expect(model.docString).toMatch(/^prnn nine-pathway network hh\+oh, traced from its step/);
    expect(model.opsetImport.map((o: any) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    const meta = Object.fromEntries(model.metadataProps.map((p: any) => [p.key, p.value]));
    expect(meta).toMatchObject({ 'prnn.contract': 'prnn-policy/1', 'prnn.architecture': 'hh+oh', 'prnn.seed': '3' });
    // the recorded checksum is the CRC-32 of the graph as the reference codec serialises it
    const graphBytes = onnx.GraphProto.encode(model.graph).finish();
    expect(meta['prnn.graph_crc32']).toBe(crc32(graphBytes).toString(16).padStart(8, '0'));
    const g = model.graph;
    expect(g.input.map((v: any) => v.name)).toEqual(['obs', 'state']);
    expect(g.output.map((v: any) => v.name)).toEqual(['q', 'state_out']);
    const dims = (v: any) => v.type.tensorType.shape.dim.map((d: any) => (d.dimParam ? d.dimParam : Number(d.dimValue)));
    expect(g.input.map(dims)).toEqual([['batch', 8], ['batch', 21]]);
    expect(g.output.map(dims)).toEqual([['batch', 5], ['batch', 21]]);
    expect(g.input[0].type.tensorType.elemType).toBe(OnnxDataType.FLOAT);
    const ops = g.node.map((n: any) => n.opType);
    expect(ops.filter((o: string) => o === 'MatMul')).toHaveLength(4); // ih, hh, oh, ho
    expect(ops).toContain('Relu');
    const softmax = g.node.find((n: any) => n.opType === 'Softmax');
    expect(softmax.attribute.map((a: any) => [a.name, Number(a.i), a.type])).toEqual([['axis', 1, 2]]);
    const hh = g.initializer.find((t: any) => t.name === 'param_hh');
    expect(hh.dims.map(Number)).toEqual([8, 8]);
    expect(hh.dataType).toBe(OnnxDataType.FLOAT);
    const raw: Uint8Array = hh.rawData;
    expect(Array.from(new Float32Array(raw.slice().buffer))).toEqual(Array.from(weights.hh as Float32Array));
    // state [x 8, h 8, o 5] is read by one Split whose widths are an int64 initializer
    const split = g.node.find((n: any) => n.opType === 'Split');
    expect(split.input[0]).toBe('state');
    const widths = g.initializer.find((t: any) => t.name === split.input[1]);
    expect(widths.dataType).toBe(OnnxDataType.INT64);
    const view = new DataView(widths.rawData.slice().buffer);
    expect([0, 1, 2].map((k) => Number(view.getBigInt64(8 * k, true)))).toEqual([8, 8, 5]);
  });

  test('float, string and ints attributes, and the header reader', () => {
    const bytes = encodeOnnxModel({
      irVersion: 8,
      opsetVersion: 18,
      producerName: 't',
      producerVersion: '2',
      metadata: { a: 'b', 'c.d': 'é' },
      graph: {
        name: 'g',
        nodes: [
          {
            opType: 'Custom',
            inputs: ['x'],
            outputs: ['y'],
            attributes: [
              { name: 'alpha', value: 0.5 },
              { name: 'beta', value: 2, float: true },
              { name: 'mode', value: 'edge' },
              { name: 'perm', value: [1, 0] },
            ],
          },
        ],
        initializers: [],
        inputs: [{ name: 'x', elemType: OnnxDataType.FLOAT, shape: [2, 3] }],
        outputs: [{ name: 'y', elemType: OnnxDataType.FLOAT, shape: [] }],
      },
    });
    const attrs = onnx.ModelProto.decode(bytes).graph.node[0].attribute;
    expect(attrs[0]).toMatchObject({ name: 'alpha', f: 0.5, type: 1 });
    expect(attrs[1]).toMatchObject({ name: 'beta', f: 2, type: 1 });
    expect(new TextDecoder().decode(attrs[2].s)).toBe('edge');
    expect(attrs[2].type).toBe(3);
    expect(attrs[3].ints.map(Number)).toEqual([1, 0]);
    expect(attrs[3].type).toBe(7);
    expect(readOnnxModelHeader(bytes)).toEqual({
      irVersion: 8,
      producerName: 't',
      producerVersion: '2',
      opsetVersion: 18,
      metadata: { a: 'b', 'c.d': 'é', 'prnn.graph_crc32': expect.stringMatching(/^[0-9a-f]{8}$/) },
      graph: expect.any(Uint8Array),
    });
  });
});

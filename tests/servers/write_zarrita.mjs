// Writes OME-Zarr 0.5 images with zarrita (npm, pinned in package.json) for the fidelity tests:
//   node write_zarrita.mjs OUT_DIR
//   OUT_DIR/zarrita_3d.ome.zarr  uint16 z,y,x = 10,12,14, chunks 4,5,6 (edge chunks),
//                                bytes codec "endian": "big", scale (2, 0.5, 0.75) mm,
//                                translation (1, -2, 3)
//   OUT_DIR/zarrita_2d.ome.zarr  int16 y,x = 9,11, one chunk, little-endian, scale (0.3, 0.2)
// Voxel values: 3D (z*37 + y*11 + x*3) % 1000; 2D (y*13 - x*7) (negative ones included).
// Prints "ok".
import * as fs from "node:fs";
import * as path from "node:path";
import * as zarr from "zarrita";
import { FileSystemStore } from "@zarrita/storage";

const out = process.argv[2];
if (!out) throw new Error("usage: node write_zarrita.mjs OUT_DIR");

async function image(name, axes, scale, translation, shape, chunkShape, dtype, endian, value) {
  const root = path.join(out, name);
  fs.rmSync(root, { recursive: true, force: true });
  const store = new FileSystemStore(root);
  const transforms = [{ type: "scale", scale }];
  if (translation) transforms.push({ type: "translation", translation });
  const group = await zarr.create(zarr.root(store), {
    attributes: { ome: { version: "0.5", multiscales: [{
      axes: axes.map((a) => ({ name: a, type: "space", unit: "millimeter" })),
      datasets: [{ path: "0", coordinateTransformations: transforms }] }] } },
  });
  const arr = await zarr.create(group.resolve("0"), {
    shape, chunkShape, dtype, fillValue: 0, dimensionNames: axes,
    codecs: [{ name: "bytes", configuration: { endian } }],
  });
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === "uint16" ? new Uint16Array(n) : new Int16Array(n);
  const stride = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let i = 0; i < n; ++i) data[i] = value(...shape.map((s, d) => Math.floor(i / stride[d]) % s));
  await zarr.set(arr, null, { data, shape, stride });
}

await image("zarrita_3d.ome.zarr", ["z", "y", "x"], [2.0, 0.5, 0.75], [1.0, -2.0, 3.0], [10, 12, 14],
            [4, 5, 6], "uint16", "big", (z, y, x) => (z * 37 + y * 11 + x * 3) % 1000);
await image("zarrita_2d.ome.zarr", ["y", "x"], [0.3, 0.2], null, [9, 11], [9, 11], "int16",
            "little", (y, x) => y * 13 - x * 7);
console.log("ok");

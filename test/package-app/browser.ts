// The same package as a browser app sees it (the `browser` export condition, no
// Node types): typechecked only, by test/package.test.ts.
import { createBrowserRuntime, createRuntime, decodeSafetensors, rgbaToRgb, scoreHeatmap, tiny, type GpuRuntime } from 'dicnet-webgpu';
// @ts-expect-error the browser bundle has no file io
import { loadCheckpointFile } from 'dicnet-webgpu';

export async function heatmapOf(image: ImageData, checkpoint: Uint8Array): Promise<number> {
  const rt: GpuRuntime = createRuntime === createBrowserRuntime ? await createRuntime({ featureLevel: 'compatibility' }) : await createBrowserRuntime();
  const { tensors } = decodeSafetensors(checkpoint, 'teacher.safetensors');
  const rgb = rgbaToRgb(image.width, image.height, image.data);
  const heat = scoreHeatmap(new Float32Array(tiny.inputWidth * tiny.inputHeight), tiny.inputWidth, tiny.inputHeight);
  rt.destroy();
  return tensors.size + rgb.width + heat.width + (loadCheckpointFile === undefined ? 0 : 1);
}

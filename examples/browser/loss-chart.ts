// The distillation loss per step as a line on a canvas, with its first and last value.

export function drawLossChart(canvas: HTMLCanvasElement, losses: readonly number[]): void {
  const context = canvas.getContext('2d')!;
  const { width, height } = canvas;
  const margin = { left: 52, right: 12, top: 12, bottom: 24 };
  context.clearRect(0, 0, width, height);
  context.font = '12px sans-serif';
  context.fillStyle = '#555';
  context.strokeStyle = '#bbb';
  context.strokeRect(margin.left, margin.top, width - margin.left - margin.right, height - margin.top - margin.bottom);
  if (losses.length === 0) {
    context.fillText('the loss of each step appears here as the student trains', margin.left + 12, height / 2);
    return;
  }
  const max = Math.max(...losses);
  const min = Math.min(0, ...losses);
  const x = (i: number) => margin.left + (losses.length === 1 ? 0 : (i / (losses.length - 1)) * (width - margin.left - margin.right));
  const y = (v: number) => margin.top + (1 - (v - min) / (max - min || 1)) * (height - margin.top - margin.bottom);
  context.fillText(max.toPrecision(3), 4, margin.top + 10);
  context.fillText(min.toPrecision(3), 4, height - margin.bottom);
  context.fillText(`step 1 .. ${losses.length}`, margin.left, height - 6);
  context.strokeStyle = '#c0392b';
  context.lineWidth = 2;
  context.beginPath();
  losses.forEach((v, i) => (i === 0 ? context.moveTo(x(i), y(v)) : context.lineTo(x(i), y(v))));
  context.stroke();
  context.fillStyle = '#c0392b';
  for (const [i, v] of losses.entries()) context.fillRect(x(i) - 2, y(v) - 2, 4, 4);
}

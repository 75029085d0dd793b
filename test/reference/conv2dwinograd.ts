// The Winograd path computes the same conv as the direct one, so its float64
// reference is the direct conv's loops (test/reference/conv2d.ts).
export { conv2d, conv2dGradInput, conv2dGradWeight, conv2dGradBias } from './conv2d';

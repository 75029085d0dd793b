// Waiting on Dawn in Node without spinning: while a Dawn promise is pending the
// JS thread otherwise polls at 100% of a core, taken from lavapipe's workers.
// Sleeping ~0.3 ms between event-loop turns gave 1.5-3x throughput on lavapipe.

const canBlock = typeof process !== 'undefined' && !!process.versions?.node && typeof SharedArrayBuffer !== 'undefined';
const sleepCell = canBlock ? new Int32Array(new SharedArrayBuffer(4)) : null;

function nextTurn(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

export async function settle<T>(promise: Promise<T>): Promise<T> {
  if (!sleepCell) return promise;
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await nextTurn();
  while (!done) {
    Atomics.wait(sleepCell, 0, 0, 0.3);
    await nextTurn();
  }
  return promise;
}

// A restricted reader of Python pickles: the data opcodes (numbers, strings,
// tuples, lists, dicts, the memo), GLOBAL and STACK_GLOBAL only for the
// callables the caller allows by name, REDUCE only on those, BUILD only on
// dicts, BINPERSID through the caller. Everything else, above all any global
// not allowed (os.system, builtins.eval, ...) and the opcodes that build
// arbitrary objects (INST, OBJ, NEWOBJ), is refused with an error naming the
// opcode and its byte. Nothing in the file is ever run: a "callable" is a
// TypeScript function the caller wrote.

import { CheckpointError, quoted } from './errors';

export type PickleKey = string | number | bigint | boolean | null;

/** A dict or OrderedDict; `attributes` holds what BUILD set on it (a state dict's `_metadata`). */
export class PickleDict extends Map<PickleKey, PickleValue> {
  attributes: PickleDict | null = null;
}

/** A global the caller allows: a name and, if it may be called by REDUCE, what calling it means. */
export interface AllowedGlobal {
  call?(args: readonly PickleValue[], fail: (problem: string) => Error): PickleValue;
}

export class PickleGlobal {
  constructor(
    readonly name: string,
    readonly allowed: AllowedGlobal,
  ) {}
}

/** A value the caller's callables or persistent ids make (a tensor, a storage). */
export abstract class PickleObject {
  abstract readonly description: string;
}

/** Tuples are frozen arrays, lists are arrays. */
export type PickleValue = null | boolean | number | bigint | string | Uint8Array | readonly PickleValue[] | PickleDict | PickleGlobal | PickleObject;

export interface UnpickleOptions {
  /** Names the file and the part of it, for errors. */
  source: string;
  /** The globals that may appear, by `module.name`; every other one is refused. */
  globals: ReadonlyMap<string, AllowedGlobal>;
  /** What a persistent id stands for; throws (through `fail`) for ids it does not accept. */
  persistentLoad(id: PickleValue, fail: (problem: string) => Error): PickleValue;
}

/** Opcodes that build objects of arbitrary classes (or name them by number): refused by name. */
const refusedOpcodes: Record<number, string> = {
  0x69: 'INST', 0x6f: 'OBJ', 0x81: 'NEWOBJ', 0x92: 'NEWOBJ_EX', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x50: 'PERSID',
};

/** Reads one pickle starting at `offset`; returns its value and the byte after its STOP. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions, offset = 0): { value: PickleValue; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const stack: PickleValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PickleValue>();
  let at = offset;
  let opcodeAt = offset;
  let opcode = 0;

  const fail = (problem: string): CheckpointError =>
    new CheckpointError(options.source, `pickle opcode 0x${opcode.toString(16).padStart(2, '0')} at byte ${opcodeAt}: ${problem}`);
  const take = (n: number): number => {
    if (n < 0 || at + n > bytes.length) throw fail(`truncated: it needs ${n} more bytes, the data ends at byte ${bytes.length}`);
    const start = at;
    at += n;
    return start;
  };
  const length = (n: number | bigint): number => {
    if (BigInt(n) > BigInt(bytes.length - at) || BigInt(n) < 0n) throw fail(`truncated: a length of ${n} bytes runs past the end of the data (byte ${bytes.length})`);
    return Number(n);
  };
  const pop = (): PickleValue => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1]!)) throw fail('the stack is empty');
    return stack.pop()!;
  };
  const top = (): PickleValue => {
    if (stack.length === 0) throw fail('the stack is empty');
    return stack[stack.length - 1]!;
  };
  const popMark = (): PickleValue[] => {
    const mark = marks.pop();
    if (mark === undefined) throw fail('no MARK before it');
    return stack.splice(mark);
  };
  const text = (start: number, n: number): string => {
    try {
      return utf8.decode(bytes.subarray(start, start + n));
    } catch {
      throw fail('a string that is not valid UTF-8');
    }
  };
  const line = (): string => {
    const endOfLine = bytes.indexOf(0x0a, at);
    if (endOfLine < 0) throw fail('truncated: a GLOBAL name without its newline');
    const start = take(endOfLine - at + 1);
    return text(start, endOfLine - start);
  };
  const global = (module: string, name: string): PickleGlobal => {
    const qualified = `${module}.${name}`;
    const allowed = options.globals.get(qualified);
    if (!allowed) {
      throw fail(`refused the global ${quoted(qualified)}: a state dict holds only tensors, ordered dicts, strings and numbers, and this reader allows only ${[...options.globals.keys()].join(', ')}; nothing in the file was run`);
    }
    return new PickleGlobal(qualified, allowed);
  };
  const dictOf = (value: PickleValue, what: string): PickleDict => {
    if (!(value instanceof PickleDict)) throw fail(`${what} on ${describe(value)}, not a dict`);
    return value;
  };
  const key = (value: PickleValue): PickleKey => {
    if (value === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof value)) return value as PickleKey;
    throw fail(`a dict key that is ${describe(value)}; only strings, numbers, booleans and None are accepted`);
  };
  const setItems = (dict: PickleValue, items: PickleValue[]): void => {
    const target = dictOf(dict, 'SETITEM');
    if (items.length % 2) throw fail('an odd number of items between MARK and SETITEMS');
    for (let i = 0; i < items.length; i += 2) target.set(key(items[i]!), items[i + 1]!);
  };
  const list = (value: PickleValue, what: string): PickleValue[] => {
    if (!Array.isArray(value) || Object.isFrozen(value)) throw fail(`${what} on ${describe(value)}, not a list`);
    return value as PickleValue[];
  };
  const memoIndex = (index: number): PickleValue => {
    if (!memo.has(index)) throw fail(`memo entry ${index} was never stored`);
    return memo.get(index)!;
  };
  const int = (value: bigint): number | bigint => (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value);
  const long = (n: number): number | bigint => {
    const start = take(n);
    let value = 0n;
    for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[start + i]!);
    if (n > 0 && bytes[start + n - 1]! & 0x80) value -= 1n << BigInt(8 * n);
    return int(value);
  };

  for (;;) {
    opcodeAt = at;
    if (at >= bytes.length) throw fail(`truncated: the data ends at byte ${bytes.length} before the pickle's STOP`);
    opcode = bytes[take(1)]!;
    switch (opcode) {
      case 0x80: { // PROTO
        const protocol = bytes[take(1)]!;
        if (protocol > 5) throw fail(`pickle protocol ${protocol} is newer than 5`);
        break;
      }
      case 0x95: // FRAME: a length hint only
        take(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length !== 0) throw fail(`STOP with ${stack.length} values on the stack and ${marks.length} open MARKs; a pickle ends with exactly one`);
        return { value: stack[0]!, end: at };
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(take(4), true));
        break;
      case 0x4b: // BININT1
        stack.push(bytes[take(1)]!);
        break;
      case 0x4d: // BININT2
        stack.push(view.getUint16(take(2), true));
        break;
      case 0x8a: // LONG1
        stack.push(long(bytes[take(1)]!));
        break;
      case 0x8b: // LONG4
        stack.push(long(length(view.getInt32(take(4), true))));
        break;
      case 0x47: // BINFLOAT, big-endian
        stack.push(view.getFloat64(take(8), false));
        break;
      case 0x58: { // BINUNICODE
        const n = length(view.getUint32(take(4), true));
        stack.push(text(take(n), n));
        break;
      }
      case 0x8c: { // SHORT_BINUNICODE
        const n = length(bytes[take(1)]!);
        stack.push(text(take(n), n));
        break;
      }
      case 0x8d: { // BINUNICODE8
        const n = length(view.getBigUint64(take(8), true));
        stack.push(text(take(n), n));
        break;
      }
      case 0x42: { // BINBYTES
        const n = length(view.getUint32(take(4), true));
        stack.push(bytes.slice(take(n), at));
        break;
      }
      case 0x43: { // SHORT_BINBYTES
        const n = length(bytes[take(1)]!);
        stack.push(bytes.slice(take(n), at));
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push(Object.freeze([]));
        break;
      case 0x74: // TUPLE
        stack.push(Object.freeze(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(Object.freeze([pop()]));
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        stack.push(Object.freeze([pop(), b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(Object.freeze([pop(), b, c]));
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x61: { // APPEND
        const item = pop();
        list(top(), 'APPEND').push(item);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        list(top(), 'APPENDS').push(...items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PickleDict());
        break;
      case 0x64: { // DICT
        const dict = new PickleDict();
        setItems(dict, popMark());
        stack.push(dict);
        break;
      }
      case 0x73: { // SETITEM
        const value = pop();
        const k = pop();
        setItems(top(), [k, value]);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x71: // BINPUT
        memo.set(bytes[take(1)]!, top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(view.getUint32(take(4), true), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        stack.push(memoIndex(bytes[take(1)]!));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoIndex(view.getUint32(take(4), true)));
        break;
      case 0x63: { // GLOBAL
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw fail('STACK_GLOBAL without a module and a name as strings');
        stack.push(global(module, name));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const callable = pop();
        if (!(callable instanceof PickleGlobal) || !callable.allowed.call) throw fail(`REDUCE calls ${describe(callable)}, which may not be called`);
        if (!Array.isArray(args) || !Object.isFrozen(args)) throw fail(`REDUCE of ${callable.name} with ${describe(args)} as arguments, not a tuple`);
        stack.push(callable.allowed.call(args, (problem) => fail(`${callable.name}: ${problem}`)));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        dictOf(top(), 'BUILD').attributes = dictOf(state, 'BUILD with a state');
        break;
      }
      case 0x51: // BINPERSID
        stack.push(options.persistentLoad(pop(), (problem) => fail(`persistent id: ${problem}`)));
        break;
      default: {
        const name = refusedOpcodes[opcode];
        throw fail(
          name
            ? `${name} builds objects of arbitrary classes, which a state dict never needs; refused, nothing in the file was run`
            : 'an opcode this reader does not accept (it reads only what torch.save writes for a state dict)',
        );
      }
    }
  }
}

export function describe(value: PickleValue): string {
  if (value === null) return 'None';
  if (value instanceof PickleDict) return 'a dict';
  if (value instanceof PickleGlobal) return value.name;
  if (value instanceof PickleObject) return value.description;
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return Object.isFrozen(value) ? 'a tuple' : 'a list';
  return `${typeof value} ${quoted(typeof value === 'bigint' ? value.toString() : value)}`;
}

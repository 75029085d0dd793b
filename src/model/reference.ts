// The published DiCNet's checkpoints (zhouhuan-hust/DiCNet) in our networks,
// built with the `paper` configuration (or one of its widths). Its names are
// ours once its wrappers' prefixes are resolved:
// - the student, as its train_student.py saves it: T2's state dict inside
//   DataParallel, every name under `module.`;
// - the teacher, either as its training repository saves it and train_student.py
//   loads it (encoder.pth and decoder.pth, names without the `encoder.` /
//   `decoder.` prefix, the decoder with a deep-supervision head used only in that
//   training, `cbr_deepsup` and `conv_last_deepsup`, which is dropped), or as the
//   reference's T (one state dict, maybe under `module.`, without the classifier
//   `decoder.conv_last.4`). A teacher without classifier gives its feature only.
// Batch norm counters missing from old files count 0, as PyTorch's own loading does.

import { Random } from '../base/random';
import type { CheckpointTensor } from '../checkpoint/safetensors';
import type { GpuRuntime } from '../gpu';
import { Tensor } from '../graph/tensor';
import type { ModelConfig } from './config';
import { Student, Teacher } from './networks';
import { stateSignatures, writeState } from './state';

type StateDict = ReadonlyMap<string, CheckpointTensor>;

export type ReferenceTeacherFiles = { encoder: StateDict; decoder: StateDict } | { teacher: StateDict };

const deepSupervision = /^(cbr_deepsup|conv_last_deepsup)\./;
const classifierWeight = 'decoder.conv_last.4.weight';

/** The teacher's tensors under our names; `classifier` says whether the files hold one. */
export function referenceTeacherState(files: ReferenceTeacherFiles): { tensors: Map<string, CheckpointTensor>; classifier: boolean } {
  const tensors =
    'teacher' in files
      ? withoutModulePrefix(files.teacher)
      : new Map([
          ...[...withoutModulePrefix(files.encoder)].map(([name, t]): [string, CheckpointTensor] => [`encoder.${name}`, t]),
          ...[...withoutModulePrefix(files.decoder)].filter(([name]) => !deepSupervision.test(name)).map(([name, t]): [string, CheckpointTensor] => [`decoder.${name}`, t]),
        ]);
  return { tensors, classifier: tensors.has(classifierWeight) };
}

/** A teacher holding the reference's weights, with its classifier where the files have one; loads all or throws CheckpointError. */
export function loadReferenceTeacher(rt: GpuRuntime, config: ModelConfig, files: ReferenceTeacherFiles, source: string): Teacher {
  const { tensors, classifier } = referenceTeacherState(files);
  return loaded(new Teacher(rt, new Random(0), config, { classifier }), tensors, source);
}

/** A student holding the reference's weights; loads all or throws CheckpointError. */
export function loadReferenceStudent(rt: GpuRuntime, config: ModelConfig, tensors: StateDict, source: string): Student {
  return loaded(new Student(rt, new Random(0), config), withoutModulePrefix(tensors), source);
}

/** The model in eval mode with the tensors in it, or its GPU memory freed and the CheckpointError thrown. */
function loaded<M extends Teacher | Student>(model: M, tensors: Map<string, CheckpointTensor>, source: string): M {
  try {
    writeState(model, withBatchCounters(model, tensors), source);
  } catch (error) {
    for (const [, entry] of model.stateDict()) if (entry instanceof Tensor) entry.release();
    throw error;
  }
  model.eval();
  return model;
}

function withoutModulePrefix(tensors: StateDict): Map<string, CheckpointTensor> {
  return new Map([...tensors].map(([name, t]) => [name.startsWith('module.') ? name.slice('module.'.length) : name, t]));
}

function withBatchCounters(model: Teacher | Student, tensors: Map<string, CheckpointTensor>): Map<string, CheckpointTensor> {
  for (const name of stateSignatures(model).keys()) {
    const norm = name.slice(0, -'num_batches_tracked'.length);
    if (name.endsWith('.num_batches_tracked') && !tensors.has(name) && tensors.has(`${norm}running_mean`)) {
      tensors.set(name, { dtype: 'I64', shape: [], data: new BigInt64Array(1) });
    }
  }
  return tensors;
}

"""The whole-model benchmark's PyTorch peer (CPU): the same `tiny` networks,
at the size and class count given (bench/model-cases.ts benchSizes), the same
steps and inference as bench/model-cases.ts, timed the same way (warm-up
runs, then the median of timed runs, each ending with the loss or the score
maps on the host). Prints one JSON object. Run by bench/model.ts with
/usr/bin/python3 (Debian's python3-torch; bench/peers/setup-torch.sh installs it).

    /usr/bin/python3 bench/peers/model_torch.py --batch 8 --height 120 --width 160 --classes 11 --student-start teacher \
        --outliers opposite --teacher-lr 0.1 --student-lr 3e-4 --temperature 1 --threads 2 --runs 8

The job's settings (learning rates, temperature, student, outlier exposure) come from bench/model-cases.ts, which reads
them from the engine's option defaults.
"""

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dicnet_torch as dt  # noqa: E402

def timed(run, warmup, runs):
    for _ in range(warmup):
        run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return {'medianMs': 1000 * statistics.median(times), 'bestMs': 1000 * min(times), 'runs': runs}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--height', type=int, default=dt.TINY.input_height)
    parser.add_argument('--width', type=int, default=dt.TINY.input_width)
    parser.add_argument('--classes', type=int, default=dt.TINY.num_classes)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--runs', type=int, default=8)
    parser.add_argument('--outliers', choices=['none', 'uniform', 'opposite'], required=True, help="the student step's outlier exposure, as the dataset's default")
    parser.add_argument('--outlier-weight', type=float, required=True)
    parser.add_argument('--student-start', choices=['random', 'teacher'], required=True, help="the dataset's student (the engine's --student-start)")
    parser.add_argument('--teacher-lr', type=float, required=True)
    parser.add_argument('--student-lr', type=float, required=True)
    parser.add_argument('--temperature', type=float, required=True)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    # The engine's tiny teacher reads layer1 in its head (src/model/config.ts teacherHeadSkip).
    c = replace(dt.TINY, skip_channels=16, input_height=args.height, input_width=args.width, num_classes=args.classes)
    images = torch.randn(args.batch, 3, c.input_height, c.input_width)
    labels = torch.randint(0, c.num_classes, (args.batch, c.input_height, c.input_width), dtype=torch.int32)
    labels.masked_fill_(torch.rand(labels.shape) < 0.05, dt.IGNORE_LABEL)

    # As bench/model-cases.ts withOutlierBlock: the student step's labels mark a block of each image as a painted outlier.
    outlier_labels = labels.clone()
    outlier_labels[:, c.input_height // 4:c.input_height // 2, c.input_width // 4:c.input_width // 2] = dt.ANOMALY_LABEL
    outliers = None if args.outliers == 'none' else (args.outliers, args.outlier_weight, outlier_labels)

    # As bench/model-cases.ts classWeights: the main job weights its cross-entropy by class.
    class_weights = torch.tensor([0.5 + k / c.num_classes for k in range(c.num_classes)])
    teacher, student = dt.Teacher(c), dt.Student(c, args.student_start)
    if args.student_start == 'teacher':
        student.start_from(teacher)
    sgd = dt.teacher_optimizer(teacher, args.teacher_lr)
    adam = dt.student_optimizer(student, args.student_lr)

    def teacher_step():
        teacher.train()
        teacher.requires_grad_(True)
        dt.train_step(sgd, dt.teacher_loss(teacher, images, labels, class_weights), args.teacher_lr).item()

    def student_step():
        teacher.eval()
        teacher.requires_grad_(False)
        student.train()
        dt.train_step(adam, dt.distill_loss(teacher, student, images, 'kl', args.temperature, outliers), args.student_lr).item()

    def inference():
        teacher.eval()
        student.eval()
        scores = dt.score_batch(teacher, student, images, args.temperature)
        for v in scores.values():
            v.numpy()

    cases = {}
    for name, run in (('teacher', teacher_step), ('student', student_step), ('inference', inference)):
        cases[name] = timed(run, args.warmup, args.runs)
    print(json.dumps({
        'system': f'PyTorch {torch.__version__} CPU, {torch.get_num_threads()} threads',
        'batch': args.batch,
        'shape': [c.input_height, c.input_width, c.num_classes],
        'cases': cases,
    }))


if __name__ == '__main__':
    main()

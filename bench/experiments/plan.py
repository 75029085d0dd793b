"""The GPU sweep of the tiny teacher: which lever gets it to segment (docs/experiments.md).

Budgets are in teacher-image equivalents E: images seen times the network's
conv FLOPs per image over those of the tiny teacher at 96x160. The default
main job's teacher sees 4,800 images (E = 4.8k); the 20-minute job affords
about E = 16k; E = 48k is the long preset's scale. Job names: recipe, budget,
seed. Jobs run in this order as workers free up, so the essential ones first.
"""

import os

# Conv FLOPs per image over the tiny teacher's at 96x160 (dicnet_torch.conv_flops).
# Keys: data, output stride, width, depth, skip channels.
COST = {('s96', 8, 1.0, None, 0): 1.0, ('s192', 8, 1.0, None, 0): 4.0, ('s96', 4, 1.0, None, 0): 2.90,
        ('s96', 8, 2.0, None, 0): 3.97, ('s96', 8, 1.5, None, 0): 2.24, ('s96', 8, 1.0, 2, 0): 1.68, ('s192', 4, 1.0, None, 0): 11.60,
        ('s192', 8, 1.0, 2, 0): 6.72, ('s96', 8, 1.0, None, 16): 1.22, ('s192', 8, 1.0, None, 16): 4.87}

SQRT = ['--weights', 'pow:0.5']
MEDIAN = ['--weights', 'pow:1']


def jobs(data_dir, scale=1.0):
    out = []

    def teacher(name, data, budget, seeds=(1,), os_=8, width=1.0, depth=None, skip=0, extra=()):
        images = int(budget / COST[(data, os_, width, depth, skip)] / 8) * 8
        images = max(16, int(images * scale) // 8 * 8)
        for seed in seeds:
            args = ['--data', os.path.join(data_dir, data), '--images', str(images), '--seed', str(seed),
                    '--os', str(os_), '--width', str(width), *extra]
            args += ['--evals', '4'] if scale == 1 else ['--evals', '2', '--val', '20']
            if depth is not None:
                args += ['--depth', str(depth)]
            if skip:
                args += ['--skip', str(skip)]
            out.append({'name': f'{name}-s{seed}', 'script': 'teacher.py', 'data': data, 'args': args})

    def dicnet(teacher_job, data, os_=8, width=1.0, skip=0):
        """Distils and scores with the teacher that job `teacher_job` trained (the sweep passes its checkpoint)."""
        out.append({'name': f'dicnet-{teacher_job}', 'script': 'dicnet.py', 'data': data, 'after': teacher_job,
                    'args': ['--data', os.path.join(data_dir, data), '--os', str(os_), '--width', str(width), '--skip', str(skip),
                             '--student-images', str(max(16, int(5600 * scale) // 8 * 8))]})

    # The essentials: the ceiling at 192x320 (longest, so first), today's recipe, the class weights,
    # the input size, the schedule, the output stride.
    teacher('sqrt192-E160k', 's192', 160000, extra=SQRT)
    teacher('sqrt192skip-E160k', 's192', 160000, skip=16, extra=SQRT)
    teacher('base96-E48k', 's96', 48000)
    teacher('sqrt96-E48k', 's96', 48000, extra=SQRT)
    teacher('sqrt96skip-E48k', 's96', 48000, skip=16, extra=SQRT)
    teacher('sqrt192-E48k', 's192', 48000, seeds=(1, 2), extra=SQRT)
    teacher('sqrt192skip-E48k', 's192', 48000, seeds=(1, 2), skip=16, extra=SQRT)
    teacher('sqrt96skip-E16k', 's96', 16000, seeds=(1, 2), skip=16, extra=SQRT)
    teacher('base96-E4.8k', 's96', 4800, seeds=(1, 2))
    teacher('base96-E16k', 's96', 16000, seeds=(1, 2))
    teacher('sqrt96-E16k', 's96', 16000, seeds=(1, 2), extra=SQRT)
    teacher('base192-E16k', 's192', 16000)
    teacher('sqrt192-E16k', 's192', 16000, seeds=(1, 2), extra=SQRT)
    teacher('sqrt96os4-E16k', 's96', 16000, seeds=(1, 2), os_=4, extra=SQRT)
    teacher('base192-E48k', 's192', 48000)
    # The weighting's strength and the base budget.
    teacher('median96-E16k', 's96', 16000, extra=MEDIAN)
    teacher('median192-E16k', 's192', 16000, extra=MEDIAN)
    teacher('sqrt96-E4.8k', 's96', 4800, extra=SQRT)
    teacher('sqrt192-E4.8k', 's192', 4800, extra=SQRT)
    # Learning rate and optimizer.
    for lr in ('0.02', '0.1', '0.2'):
        teacher(f'sqrt96-E16k-lr{lr}', 's96', 16000, extra=SQRT + ['--lr', lr])
    for lr in ('0.02', '0.1'):
        teacher(f'sqrt192-E16k-lr{lr}', 's192', 16000, extra=SQRT + ['--lr', lr])
    teacher('sqrt96-E16k-adam2e-3', 's96', 16000, extra=SQRT + ['--optimizer', 'adam', '--lr', '0.002'])
    # Width, depth, output stride at 96x160.
    teacher('sqrt96w2-E16k', 's96', 16000, width=2.0, extra=SQRT)
    teacher('sqrt96w1.5-E16k', 's96', 16000, width=1.5, extra=SQRT)
    teacher('sqrt96d2-E16k', 's96', 16000, depth=2, extra=SQRT)
    teacher('sqrt96w2-E48k', 's96', 48000, width=2.0, extra=SQRT)
    teacher('sqrt96os4-E48k', 's96', 48000, os_=4, extra=SQRT)
    teacher('sqrt192os4-E48k', 's192', 48000, os_=4, extra=SQRT)
    teacher('sqrt192d2-E48k', 's192', 48000, depth=2, extra=SQRT)
    teacher('sqrt192-E48k-lr0.1', 's192', 48000, extra=SQRT + ['--lr', '0.1'])
    # The skip from layer1 into the classifier head (the compared feature unchanged) with other levers.
    teacher('sqrt96skip-E4.8k', 's96', 4800, skip=16, extra=SQRT)
    teacher('sqrt192skip-E48k-lr0.1', 's192', 48000, skip=16, extra=SQRT + ['--lr', '0.1'])
    teacher('sqrt96skip-E16k-lr0.1', 's96', 16000, seeds=(1, 2), skip=16, extra=SQRT + ['--lr', '0.1'])
    teacher('sqrt96skip-E16k-adam2e-3', 's96', 16000, skip=16, extra=SQRT + ['--optimizer', 'adam', '--lr', '0.002'])
    # Augmentation and data variety.
    teacher('sqrt96-E16k-zoom2', 's96', 16000, extra=SQRT + ['--max-scale', '2.0'])
    teacher('sqrt192-E16k-zoom2', 's192', 16000, extra=SQRT + ['--max-scale', '2.0'])
    teacher('sqrt192-E48k-1600scenes', 's192', 48000, extra=SQRT + ['--train', '1600'])
    # DiCNet with the default teacher (the replica on the GPU) and with segmenting teachers.
    dicnet('base96-E4.8k-s1', 's96')
    dicnet('sqrt96-E16k-s1', 's96')
    dicnet('sqrt192-E16k-s1', 's192')
    dicnet('sqrt192skip-E48k-s1', 's192', skip=16)
    return out

// Per-pixel distribution distillation distance: softmax over channels of
// feature / T for student s and teacher t, then
//   d = T^2 * KL(p_t || p_s) = T^2 * sum_c p_t,c (log p_t,c - log p_s,c).
// klDistill is the mean of d over pixels (src/graph/ops/kldistill.ts).
// Gradients, with z = x / T and g the gradient of d at the pixel:
//   d d / d s_c = g * T * (p_s,c - p_t,c)
//   d d / d t_c = g * T * p_t,c * (log p_t,c - log p_s,c - KL)
// Layout: features [N, C, H, W], d [N, 1, H, W]; pixel q = n * HW + s.
// Storage buffers: declared by shader() from the bindings in src/kernels/kldistill.ts.

struct Params {
  pixels: u32, hw: u32, c: u32, // N * H * W, H * W, C
  invT: f32, t: f32,
}

// One value each for student and teacher. The shifts: log p_c = z_c - shift,
// with shift = max z + log sum exp(z - max z), for stability with large features.
struct StudentTeacher {
  student: f32,
  teacher: f32,
}

fn shiftsAt(b: u32) -> StudentTeacher {
  var ms = student[b] * p.invT;
  var mt = teacher[b] * p.invT;
  for (var k = 1u; k < p.c; k++) {
    ms = max(ms, student[b + k * p.hw] * p.invT);
    mt = max(mt, teacher[b + k * p.hw] * p.invT);
  }
  var ss = 0.0;
  var st = 0.0;
  for (var k = 0u; k < p.c; k++) {
    ss += exp(student[b + k * p.hw] * p.invT - ms);
    st += exp(teacher[b + k * p.hw] * p.invT - mt);
  }
  return StudentTeacher(ms + log(ss), mt + log(st));
}

fn logProbs(b: u32, k: u32, shift: StudentTeacher) -> StudentTeacher {
  let i = b + k * p.hw;
  return StudentTeacher(student[i] * p.invT - shift.student, teacher[i] * p.invT - shift.teacher);
}

fn klAt(b: u32, shift: StudentTeacher) -> f32 {
  var kl = 0.0;
  for (var k = 0u; k < p.c; k++) {
    let lp = logProbs(b, k, shift);
    kl += exp(lp.teacher) * (lp.teacher - lp.student);
  }
  return kl;
}

@compute @workgroup_size(WG)
fn forward(e: Element) {
  let q = index(e);
  if (q >= p.pixels) { return; }
  let b = pixelBase(q, p.hw, p.c);
  distance[q] = p.t * p.t * klAt(b, shiftsAt(b));
}

// The gradient of the pixel's d to the student's features (toTeacher false) or the teacher's.
fn gradientAt(q: u32, toTeacher: bool) {
  if (q >= p.pixels) { return; }
  let b = pixelBase(q, p.hw, p.c);
  let shift = shiftsAt(b);
  var kl = 0.0;
  if (toTeacher) { kl = klAt(b, shift); }
  let scale = g[q] * p.t;
  for (var k = 0u; k < p.c; k++) {
    let lp = logProbs(b, k, shift);
    if (toTeacher) {
      grad[b + k * p.hw] = scale * exp(lp.teacher) * (lp.teacher - lp.student - kl);
    } else {
      grad[b + k * p.hw] = scale * (exp(lp.student) - exp(lp.teacher));
    }
  }
}

@compute @workgroup_size(WG)
fn backwardStudent(e: Element) {
  gradientAt(index(e), false);
}

@compute @workgroup_size(WG)
fn backwardTeacher(e: Element) {
  gradientAt(index(e), true);
}

(module
  ;; Source of model/mask-logits-wasm.ts (scripts/build-wasm.mjs embeds the binary; mask-logits.test.ts checks it is this file).
  (memory (export "memory") 1)
  ;; Mask logits over a window of cell-major prototypes (see masks.ts):
  ;; out[yy·lw + xx] = f32((s0 + s1) + (s2 + s3)), s_k = Σ_{c ≡ k mod 4} coef[c] · cells[(cell0 + yy·mw + xx)·nm + c]
  ;; summed in f64 in channel order (the tail channels nm4..nm-1 into s0), as the JavaScript loop does.
  ;; cells: byte offset of f32 prototypes; coef: byte offset of nm f64 coefficients; out: byte offset of lw·lh f32.
  (func (export "logits") (param $cells i32) (param $coef i32) (param $cell0 i32) (param $lw i32) (param $lh i32)
                          (param $nm i32) (param $mw i32) (param $out i32)
    (local $yy i32) (local $xx i32) (local $b i32) (local $c i32) (local $nm4 i32) (local $rowStep i32)
    (local $s01 v128) (local $s23 v128) (local $p v128) (local $s0 f64)
    (local.set $nm4 (i32.and (local.get $nm) (i32.const -4)))
    (local.set $yy (i32.const 0))
    (block $ydone
      (loop $yloop
        (br_if $ydone (i32.ge_s (local.get $yy) (local.get $lh)))
        (local.set $b (i32.add (local.get $cells)
          (i32.shl (i32.mul (i32.add (local.get $cell0) (i32.mul (local.get $yy) (local.get $mw))) (local.get $nm)) (i32.const 2))))
        (local.set $xx (i32.const 0))
        (block $xdone
          (loop $xloop
            (br_if $xdone (i32.ge_s (local.get $xx) (local.get $lw)))
            (local.set $s01 (v128.const f64x2 0 0))
            (local.set $s23 (v128.const f64x2 0 0))
            (local.set $c (i32.const 0))
            (block $cdone
              (loop $cloop
                (br_if $cdone (i32.ge_s (local.get $c) (local.get $nm4)))
                (local.set $p (v128.load (i32.add (local.get $b) (i32.shl (local.get $c) (i32.const 2)))))
                (local.set $s01 (f64x2.add (local.get $s01)
                  (f64x2.mul (v128.load (i32.add (local.get $coef) (i32.shl (local.get $c) (i32.const 3))))
                             (f64x2.promote_low_f32x4 (local.get $p)))))
                (local.set $s23 (f64x2.add (local.get $s23)
                  (f64x2.mul (v128.load offset=16 (i32.add (local.get $coef) (i32.shl (local.get $c) (i32.const 3))))
                             (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p) (local.get $p))))))
                (local.set $c (i32.add (local.get $c) (i32.const 4)))
                (br $cloop)))
            (local.set $s0 (f64x2.extract_lane 0 (local.get $s01)))
            (block $tdone
              (loop $tloop
                (br_if $tdone (i32.ge_s (local.get $c) (local.get $nm)))
                (local.set $s0 (f64.add (local.get $s0)
                  (f64.mul (f64.load (i32.add (local.get $coef) (i32.shl (local.get $c) (i32.const 3))))
                           (f64.promote_f32 (f32.load (i32.add (local.get $b) (i32.shl (local.get $c) (i32.const 2))))))))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (br $tloop)))
            (f32.store (local.get $out) (f32.demote_f64
              (f64.add (f64.add (local.get $s0) (f64x2.extract_lane 1 (local.get $s01)))
                       (f64.add (f64x2.extract_lane 0 (local.get $s23)) (f64x2.extract_lane 1 (local.get $s23))))))
            (local.set $out (i32.add (local.get $out) (i32.const 4)))
            (local.set $b (i32.add (local.get $b) (i32.shl (local.get $nm) (i32.const 2))))
            (local.set $xx (i32.add (local.get $xx) (i32.const 1)))
            (br $xloop)))
        (local.set $yy (i32.add (local.get $yy) (i32.const 1)))
        (br $yloop)))))

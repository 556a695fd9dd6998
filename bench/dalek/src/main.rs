//! Bare curve25519-dalek (ristretto255) operations: the hardware baseline that
//! bench/crypto.py's figures are compared against.
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE as G_TABLE;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoBasepointTable, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{Identity, VartimeMultiscalarMul};
use rand_core::OsRng;
use std::hint::black_box;
use std::time::Instant;

fn time<F: FnMut()>(name: &str, n: u32, mut f: F) {
    f();
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    let us = t.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    println!("{name:<52} {us:>10.2} us");
}

fn main() {
    let mut rng = OsRng;
    let g = RistrettoPoint::random(&mut rng);
    let k = RistrettoPoint::random(&mut rng);
    let s = Scalar::random(&mut rng);
    let t = Scalar::random(&mut rng);
    let enc = k.compress();
    time("decompress", 20_000, || { black_box(black_box(enc).decompress()); });
    time("compress", 20_000, || { black_box(black_box(k).compress()); });
    time("add (extended)", 200_000, || { black_box(black_box(g) + black_box(k)); });
    time("variable-base mul (constant-time)", 5_000, || { black_box(black_box(k) * black_box(s)); });
    time("generator mul, table (constant-time)", 10_000, || { black_box(&black_box(s) * G_TABLE); });
    let ktab = RistrettoBasepointTable::create(&k);
    time("election-key table build", 200, || { black_box(RistrettoBasepointTable::create(&k)); });
    time("election-key mul, table (constant-time)", 10_000, || { black_box(&black_box(s) * &ktab); });
    time("double-base mul (vartime)", 5_000, || {
        black_box(RistrettoPoint::vartime_double_scalar_mul_basepoint(&s, &k, &t));
    });
    // ElGamal encryption of a bit with both tables: (r G, r K + m G).
    time("encrypt selection (2 table muls + add)", 5_000, || {
        let r = Scalar::random(&mut OsRng);
        black_box((&r * G_TABLE, &r * &ktab + G_TABLE.basepoint()));
    });
    for n in [64usize, 1_000, 10_000] {
        let pts: Vec<RistrettoPoint> = (0..n).map(|_| RistrettoPoint::random(&mut rng)).collect();
        let scs: Vec<Scalar> = (0..n).map(|_| Scalar::random(&mut rng)).collect();
        let reps = (200_000 / n as u32).max(3);
        let t0 = Instant::now();
        for _ in 0..reps {
            black_box(RistrettoPoint::vartime_multiscalar_mul(&scs, &pts));
        }
        let per = t0.elapsed().as_secs_f64() * 1e6 / f64::from(reps) / n as f64;
        println!("{:<52} {per:>10.2} us", format!("multiscalar mul (vartime), per point, n={n}"));
    }
    // A disjunctive 0/1 proof has 4 verification equations of 3 terms each
    // (a = zG - cA style); batched over many proofs with random weights, each
    // proof costs ~8 points of a large multiscalar mul plus decoding its 6 points.
    let n = 1_000usize;
    let encs: Vec<CompressedRistretto> = (0..6 * n).map(|_| RistrettoPoint::random(&mut rng).compress()).collect();
    let scs: Vec<Scalar> = (0..8 * n + 2).map(|_| Scalar::random(&mut rng)).collect();
    let t0 = Instant::now();
    let reps = 5;
    for _ in 0..reps {
        let mut pts: Vec<RistrettoPoint> = Vec::with_capacity(8 * n + 2);
        pts.push(G_TABLE.basepoint());
        pts.push(k);
        for e in &encs {
            pts.push(e.decompress().unwrap());
        }
        while pts.len() < scs.len() {
            pts.push(pts[pts.len() % (6 * n)]);
        }
        let r = RistrettoPoint::vartime_multiscalar_mul(&scs, &pts);
        black_box(r == RistrettoPoint::identity());
    }
    let per = t0.elapsed().as_secs_f64() * 1e6 / f64::from(reps) / n as f64;
    println!("{:<52} {per:>10.2} us", "batched 0/1 proof verification, per proof, n=1000");
}

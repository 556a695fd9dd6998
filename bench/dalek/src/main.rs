//! Bare curve25519-dalek (ristretto255) operations: the hardware baseline that
//! bench/crypto.py's figures are compared against.
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE as G_TABLE;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoBasepointTable, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{Identity, VartimeMultiscalarMul};
use rand_core::OsRng;
use std::hint::black_box;
use std::time::Instant;

/// Seconds of CPU time this (single-threaded) process has run, from /proc/self/schedstat (ns),
/// so that other work on a shared machine does not count; wall-clock time where it is missing.
struct Clock(Option<Instant>);

impl Clock {
    fn now() -> (Clock, f64) {
        match std::fs::read_to_string("/proc/self/schedstat") {
            Ok(text) => (Clock(None), text.split_whitespace().next().and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) / 1e9),
            Err(_) => (Clock(Some(Instant::now())), 0.0),
        }
    }

    fn elapsed(&self, start: f64) -> f64 {
        match self.0 {
            Some(t) => t.elapsed().as_secs_f64(),
            None => Clock::now().1 - start,
        }
    }
}

fn time<F: FnMut()>(name: &str, n: u32, mut f: F) {
    f();
    let (clock, start) = Clock::now();
    for _ in 0..n {
        f();
    }
    let us = clock.elapsed(start) * 1e6 / f64::from(n);
    println!("{name:<52} {us:>10.2} us");
}

/// The bare work of one proof's batched check: decompress its `d` received points, then one
/// vartime multiscalar multiplication of `t` terms (its equations combined with random weights)
/// compared with the identity. Arguments "name:d:t"; prints "proof name ... us".
fn proof_shapes(shapes: &[String]) {
    let mut rng = OsRng;
    for shape in shapes {
        let parts: Vec<&str> = shape.split(':').collect();
        let (name, d, t): (&str, usize, usize) = (parts[0], parts[1].parse().unwrap(), parts[2].parse().unwrap());
        let encs: Vec<CompressedRistretto> = (0..d).map(|_| RistrettoPoint::random(&mut rng).compress()).collect();
        let scs: Vec<Scalar> = (0..t).map(|_| Scalar::random(&mut rng)).collect();
        let g = G_TABLE.basepoint();
        let reps = (20_000 / t as u32).max(20);
        let run = || {
            let mut pts: Vec<RistrettoPoint> = Vec::with_capacity(t);
            for e in &encs {
                pts.push(e.decompress().unwrap());
            }
            while pts.len() < t {
                pts.push(if pts.is_empty() { g } else { pts[pts.len() % d.max(1)] });
            }
            let r = RistrettoPoint::vartime_multiscalar_mul(&scs, &pts);
            black_box(r == RistrettoPoint::identity());
        };
        run();
        let (clock, start) = Clock::now();
        for _ in 0..reps {
            run();
        }
        let us = clock.elapsed(start) * 1e6 / f64::from(reps);
        println!("{:<52} {us:>10.2} us", format!("proof {name}"));
    }
}

fn main() {
    let shapes: Vec<String> = std::env::args().skip(1).collect();
    if !shapes.is_empty() {
        proof_shapes(&shapes);
        return;
    }
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
        let (clock, start) = Clock::now();
        for _ in 0..reps {
            black_box(RistrettoPoint::vartime_multiscalar_mul(&scs, &pts));
        }
        let per = clock.elapsed(start) * 1e6 / f64::from(reps) / n as f64;
        println!("{:<52} {per:>10.2} us", format!("multiscalar mul (vartime), per point, n={n}"));
    }
    // A disjunctive 0/1 proof has 4 verification equations of 3 terms each
    // (a = zG - cA style); batched over many proofs with random weights, each
    // proof costs ~8 points of a large multiscalar mul plus decoding its 6 points.
    let n = 1_000usize;
    let encs: Vec<CompressedRistretto> = (0..6 * n).map(|_| RistrettoPoint::random(&mut rng).compress()).collect();
    let scs: Vec<Scalar> = (0..8 * n + 2).map(|_| Scalar::random(&mut rng)).collect();
    let (clock, start) = Clock::now();
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
    let per = clock.elapsed(start) * 1e6 / f64::from(reps) / n as f64;
    println!("{:<52} {per:>10.2} us", "batched 0/1 proof verification, per proof, n=1000");
}

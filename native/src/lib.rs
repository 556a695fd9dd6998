//! vybory_native: ristretto255 for vybory on curve25519-dalek (spec §1.4, backends).
//!
//! Two layers, as in `vybory/crypto/_sodium.py`:
//! - point operations on canonical 32-byte encodings, with the same results and the same
//!   refusals as the libsodium binding (decoding refuses every non-canonical encoding);
//! - proof batches: a `Batch` collects the verification equations of many proofs (Schnorr,
//!   Chaum–Pedersen, disjunctive 0/1 and range, decryption share) whose challenges the caller
//!   has recomputed from their transcripts, and checks them all at once by a random linear
//!   combination with 128-bit weights drawn from the operating system; when the combination
//!   fails, each proof is checked on its own, exactly, to name the first bad one.
//!
//! Secret-dependent operations (scalar multiplication, fixed-base tables, encryption) use
//! dalek's constant-time paths; variable-time multiscalar multiplication is used only on
//! public data (proof verification and `vartime_multiscalar_mul`).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use curve25519_dalek::constants::{RISTRETTO_BASEPOINT_POINT, RISTRETTO_BASEPOINT_TABLE};
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoBasepointTable, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{Identity, IsIdentity, MultiscalarMul, VartimeMultiscalarMul};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rand_core::{OsRng, RngCore};

mod ballot;

/// Decode a canonical encoding; None for a wrong length or any non-canonical or invalid encoding.
fn decode(data: &[u8]) -> Option<RistrettoPoint> {
    CompressedRistretto::from_slice(data).ok()?.decompress()
}

fn decode_or_raise(data: &[u8], what: &str) -> PyResult<RistrettoPoint> {
    decode(data).ok_or_else(|| PyValueError::new_err(format!("ristretto255 {what} refused an invalid encoding")))
}

/// A 32-byte little-endian scalar as libsodium reads it: the top bit cleared, then reduced mod ℓ.
/// (libsodium multiplies by the unreduced integer; in a group of order ℓ the result is the same.)
fn scalar(data: &[u8]) -> PyResult<Scalar> {
    let mut bytes: [u8; 32] = data
        .try_into()
        .map_err(|_| PyValueError::new_err("a scalar must be 32 bytes"))?;
    bytes[31] &= 0x7f;
    Ok(Scalar::from_bytes_mod_order(bytes))
}

/// A proof's scalar (challenge or response): canonical, below ℓ, or None.
fn canonical_scalar(data: &[u8]) -> Option<Scalar> {
    let bytes: [u8; 32] = data.try_into().ok()?;
    Option::from(Scalar::from_canonical_bytes(bytes))
}

fn encode<'py>(py: Python<'py>, point: &RistrettoPoint) -> Bound<'py, PyBytes> {
    PyBytes::new(py, point.compress().as_bytes())
}

/// Points decoded at the edge (`is_valid_point`, which every received point goes through), kept
/// so that a batch verifying them soon after does not decompress them again. Only received,
/// public points pass through here; the cache is emptied when it is full. One cache for the
/// process, not one a thread: a server's request threads would each fill their own (some 6 MB
/// each at this capacity).
const DECODED_CAPACITY: usize = 1 << 14;

static DECODED: Mutex<Option<HashMap<[u8; 32], RistrettoPoint>>> = Mutex::new(None);

fn decoded() -> MutexGuard<'static, Option<HashMap<[u8; 32], RistrettoPoint>>> {
    DECODED.lock().unwrap_or_else(PoisonError::into_inner)
}

fn decode_cached(key: &[u8; 32]) -> Option<RistrettoPoint> {
    if let Some(p) = decoded().as_ref().and_then(|cache| cache.get(key).copied()) {
        return Some(p);
    }
    decode(key)
}

/// How many decoded points the cache holds now (for tests: it is bounded and shared by threads).
#[pyfunction]
fn decoded_points() -> usize {
    decoded().as_ref().map_or(0, HashMap::len)
}

#[pyfunction]
fn is_valid_point(data: &[u8]) -> bool {
    let Some(point) = decode(data) else { return false };
    let key: [u8; 32] = data.try_into().expect("decoded from 32 bytes");
    let mut guard = decoded();
    let cache = guard.get_or_insert_with(HashMap::new);
    if cache.len() >= DECODED_CAPACITY {
        cache.clear();
    }
    cache.insert(key, point);
    true
}

#[pyfunction]
fn add<'py>(py: Python<'py>, p: &[u8], q: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let sum = decode_or_raise(p, "addition")? + decode_or_raise(q, "addition")?;
    Ok(encode(py, &sum))
}

#[pyfunction]
fn sub<'py>(py: Python<'py>, p: &[u8], q: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let difference = decode_or_raise(p, "subtraction")? - decode_or_raise(q, "subtraction")?;
    Ok(encode(py, &difference))
}

/// scalar · point, constant time in the scalar; the identity when the product is the identity.
#[pyfunction]
fn scalarmult<'py>(py: Python<'py>, s: &[u8], point: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let product = scalar(s)? * decode_or_raise(point, "scalar multiplication")?;
    Ok(encode(py, &product))
}

/// scalar · B with dalek's precomputed generator table, constant time.
#[pyfunction]
fn scalarmult_base<'py>(py: Python<'py>, s: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    Ok(encode(py, &(RISTRETTO_BASEPOINT_TABLE * &scalar(s)?)))
}

/// RFC 9496's one-way map of 64 bytes (libsodium's crypto_core_ristretto255_from_hash).
#[pyfunction]
fn from_hash<'py>(py: Python<'py>, digest: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let bytes: [u8; 64] = digest
        .try_into()
        .map_err(|_| PyValueError::new_err("from_hash needs 64 bytes"))?;
    Ok(encode(py, &RistrettoPoint::from_uniform_bytes(&bytes)))
}

fn decode_all(points: &[Vec<u8>]) -> PyResult<Vec<RistrettoPoint>> {
    points.iter().map(|p| decode_or_raise(p, "multiscalar multiplication")).collect()
}

fn scalars_of(scalars: &[Vec<u8>]) -> PyResult<Vec<Scalar>> {
    scalars.iter().map(|s| scalar(s)).collect()
}

/// Σ s_i · P_i, constant time (for secret scalars).
#[pyfunction]
fn multiscalar_mul<'py>(py: Python<'py>, scalars: Vec<Vec<u8>>, points: Vec<Vec<u8>>) -> PyResult<Bound<'py, PyBytes>> {
    if scalars.len() != points.len() {
        return Err(PyValueError::new_err("as many scalars as points are needed"));
    }
    let (s, p) = (scalars_of(&scalars)?, decode_all(&points)?);
    let result = py.allow_threads(|| RistrettoPoint::multiscalar_mul(&s, &p));
    Ok(encode(py, &result))
}

/// Σ s_i · P_i, variable time: only for public scalars and points.
#[pyfunction]
fn vartime_multiscalar_mul<'py>(py: Python<'py>, scalars: Vec<Vec<u8>>, points: Vec<Vec<u8>>) -> PyResult<Bound<'py, PyBytes>> {
    if scalars.len() != points.len() {
        return Err(PyValueError::new_err("as many scalars as points are needed"));
    }
    let (s, p) = (scalars_of(&scalars)?, decode_all(&points)?);
    let result = py.allow_threads(|| RistrettoPoint::vartime_multiscalar_mul(&s, &p));
    Ok(encode(py, &result))
}

/// The sum of many points, added in extended coordinates and encoded once.
#[pyfunction]
fn sum_points<'py>(py: Python<'py>, points: Vec<Vec<u8>>) -> PyResult<Bound<'py, PyBytes>> {
    let decoded = decode_all(&points)?;
    Ok(encode(py, &decoded.iter().sum::<RistrettoPoint>()))
}

/// The homomorphic sum of ElGamal ciphertexts alpha ‖ beta (64 bytes each): (Σ alpha, Σ beta).
#[pyfunction]
fn sum_ciphertexts<'py>(py: Python<'py>, ciphertexts: Vec<Vec<u8>>) -> PyResult<Bound<'py, PyBytes>> {
    let (mut alpha, mut beta) = (RistrettoPoint::identity(), RistrettoPoint::identity());
    for ct in &ciphertexts {
        if ct.len() != 64 {
            return Err(PyValueError::new_err("a ciphertext must be 64 bytes"));
        }
        alpha += decode_or_raise(&ct[..32], "ciphertext sum")?;
        beta += decode_or_raise(&ct[32..], "ciphertext sum")?;
    }
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(alpha.compress().as_bytes());
    out[32..].copy_from_slice(beta.compress().as_bytes());
    Ok(PyBytes::new(py, &out))
}

/// Running homomorphic sums of ciphertexts (a tally), kept in extended coordinates and encoded
/// only when read: each addition costs one decoding and no encoding.
///
/// Invariants: `alphas.len() == betas.len()`, the number of slots.
#[pyclass]
struct CiphertextSums {
    alphas: Vec<RistrettoPoint>,
    betas: Vec<RistrettoPoint>,
}

fn decode_ciphertext(ct: &[u8]) -> PyResult<(RistrettoPoint, RistrettoPoint)> {
    if ct.len() != 64 {
        return Err(PyValueError::new_err("a ciphertext must be 64 bytes"));
    }
    Ok((decode_or_raise(&ct[..32], "ciphertext sum")?, decode_or_raise(&ct[32..], "ciphertext sum")?))
}

impl CiphertextSums {
    fn add_points(&mut self, points: &[(RistrettoPoint, RistrettoPoint)], w: Scalar) {
        let one = w == Scalar::ONE;
        for (i, (alpha, beta)) in points.iter().enumerate() {
            if one {
                self.alphas[i] += alpha;
                self.betas[i] += beta;
            } else {
                self.alphas[i] += alpha * w;
                self.betas[i] += beta * w;
            }
        }
    }
}

#[pymethods]
impl CiphertextSums {
    #[new]
    fn new(size: usize) -> Self {
        CiphertextSums { alphas: vec![RistrettoPoint::identity(); size], betas: vec![RistrettoPoint::identity(); size] }
    }

    fn __len__(&self) -> usize {
        self.alphas.len()
    }

    /// Adds the ciphertexts (64 bytes each) to slots 0, 1, …, weighted by the public integer
    /// ``weight`` (32 bytes little-endian). All are decoded before any is added: a bad one adds nothing.
    fn add(&mut self, ciphertexts: Vec<Vec<u8>>, weight: &[u8]) -> PyResult<()> {
        if ciphertexts.len() > self.alphas.len() {
            return Err(PyValueError::new_err("more ciphertexts than slots"));
        }
        let w = scalar(weight)?;
        let decoded = ciphertexts.iter().map(|ct| decode_ciphertext(ct)).collect::<PyResult<Vec<_>>>()?;
        self.add_points(&decoded, w);
        Ok(())
    }

    /// Adds ``decoded`` (from ``decode_ciphertexts_hex``) to slots 0, 1, …, weighted as in ``add``.
    fn add_decoded(&mut self, decoded: &DecodedCiphertexts, weight: &[u8]) -> PyResult<()> {
        if decoded.points.len() > self.alphas.len() {
            return Err(PyValueError::new_err("more ciphertexts than slots"));
        }
        self.add_points(&decoded.points, scalar(weight)?);
        Ok(())
    }

    /// The sums, as 64-byte ciphertexts alpha ‖ beta, slot by slot.
    fn totals<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyBytes>> {
        self.alphas
            .iter()
            .zip(&self.betas)
            .map(|(a, b)| {
                let mut out = [0u8; 64];
                out[..32].copy_from_slice(a.compress().as_bytes());
                out[32..].copy_from_slice(b.compress().as_bytes());
                PyBytes::new(py, &out)
            })
            .collect()
    }
}

/// Ciphertexts decoded from their hex components, ready to be added (``CiphertextSums.add_decoded``).
#[pyclass(frozen)]
struct DecodedCiphertexts {
    points: Vec<(RistrettoPoint, RistrettoPoint)>,
}

fn point_from_hex(text: &str) -> Option<RistrettoPoint> {
    let digits = text.as_bytes();
    if digits.len() != 64 || !digits.iter().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c)) {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (i, pair) in digits.chunks_exact(2).enumerate() {
        let value = |c: u8| if c.is_ascii_digit() { c - b'0' } else { c - b'a' + 10 };
        bytes[i] = (value(pair[0]) << 4) | value(pair[1]);
    }
    if bytes == [0u8; 32] {
        return None; // a ballot's ciphertext never has the identity in either component
    }
    decode(&bytes)
}

/// alpha_0, beta_0, alpha_1, … as lowercase hex, each a valid point other than the identity: the
/// decoded ciphertexts, or None when any is not (the caller then decodes them the ordinary way,
/// which names what is wrong).
#[pyfunction]
fn decode_ciphertexts_hex(components: Vec<String>) -> Option<DecodedCiphertexts> {
    if !components.len().is_multiple_of(2) {
        return None;
    }
    let points = components
        .chunks_exact(2)
        .map(|pair| Some((point_from_hex(&pair[0])?, point_from_hex(&pair[1])?)))
        .collect::<Option<Vec<_>>>()?;
    Some(DecodedCiphertexts { points })
}

/// A precomputed table of multiples of one point (the election key, say), for constant-time
/// fixed-base multiplication. Building it costs about 35 multiplications.
#[pyclass(frozen)]
struct FixedBase {
    table: RistrettoBasepointTable,
}

#[pymethods]
impl FixedBase {
    #[new]
    fn new(py: Python<'_>, point: &[u8]) -> PyResult<Self> {
        let p = decode_or_raise(point, "fixed-base table")?;
        Ok(FixedBase { table: py.allow_threads(|| RistrettoBasepointTable::create(&p)) })
    }

    /// scalar · P, constant time.
    fn mul<'py>(&self, py: Python<'py>, s: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        Ok(encode(py, &(&self.table * &scalar(s)?)))
    }

    /// Exponential ElGamal under this key: (g^r, P^r · gm), both multiplications from tables.
    fn encrypt<'py>(&self, py: Python<'py>, r: &[u8], gm: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        let r = scalar(r)?;
        let m = decode_or_raise(gm, "encryption")?;
        let alpha = RISTRETTO_BASEPOINT_TABLE * &r;
        let beta = &self.table * &r + m;
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(alpha.compress().as_bytes());
        out[32..].copy_from_slice(beta.compress().as_bytes());
        Ok(PyBytes::new(py, &out))
    }
}

/// The commitments (A_v, B_v) of a disjunctive proof's branches v = low, low + 1, … (spec §4.4)
/// for a ciphertext (alpha, beta) = (g^r, pk^r · g^m) that the prover made: ``scalars[i]`` is
/// c ‖ z (64 bytes) for branch i, with c = 0 and z = w (the nonce) on the real branch v = m.
/// Every branch is computed the same way, from fixed-base tables only, so that neither the time
/// nor the work depends on m or on which branch is real:
///
///     A_v = g^z · alpha^-c = g^(z − c·r)
///     B_v = pk^z · (beta / g^v)^-c = pk^(z − c·r) · g^(−c·(m − v))
///
/// which on the real branch are (g^w, pk^w), on the others the simulated commitments. The
/// returned bytes are A_v ‖ B_v per branch, exactly those of the verifier's equations.
#[pyfunction]
fn disjunction_commitments<'py>(
    py: Python<'py>, key: &FixedBase, low: u64, randomness: &[u8], message: u64, scalars: Vec<Vec<u8>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let r = scalar(randomness)?;
    let m = Scalar::from(message);
    let mut out = Vec::with_capacity(64 * scalars.len());
    for (i, item) in scalars.iter().enumerate() {
        if item.len() != 64 {
            return Err(PyValueError::new_err("each branch needs c ‖ z (64 bytes)"));
        }
        let (c, z) = (scalar(&item[..32])?, scalar(&item[32..])?);
        let v = Scalar::from(low.checked_add(i as u64).ok_or_else(|| PyValueError::new_err("range overflow"))?);
        let s = z - c * r;
        let a = RISTRETTO_BASEPOINT_TABLE * &s;
        let b = &key.table * &s + RISTRETTO_BASEPOINT_TABLE * &(-(c * (m - v)));
        out.extend_from_slice(a.compress().as_bytes());
        out.extend_from_slice(b.compress().as_bytes());
    }
    Ok(PyBytes::new(py, &out))
}

/// One verification equation: base · G + Σ coefficient_i · point_i = identity.
struct Equation {
    base: Scalar,
    terms: Vec<(Scalar, usize)>,
}

/// One proof: its equations, or `bad` when it already failed a check that needs no curve
/// arithmetic (an encoding, the sum of a disjunction's challenges).
struct Entry {
    bad: bool,
    equations: Vec<Equation>,
}

/// Proofs collected for one verification by random linear combination.
///
/// Invariants: every point index in an equation is below `points.len()`; `index` maps each
/// encoding to its decoded point, so a point shared by many proofs (the election key, the
/// generator, a voter's credential) is decoded once and multiplied once.
#[pyclass]
#[derive(Default)]
struct Batch {
    points: Vec<RistrettoPoint>,
    index: HashMap<[u8; 32], usize>,
    entries: Vec<Entry>,
}

impl Batch {
    fn point(&mut self, data: &[u8]) -> Option<usize> {
        let key: [u8; 32] = data.try_into().ok()?;
        if let Some(&i) = self.index.get(&key) {
            return Some(i);
        }
        let p = decode_cached(&key)?;
        self.points.push(p);
        self.index.insert(key, self.points.len() - 1);
        Some(self.points.len() - 1)
    }

    /// A point already decoded (not shared with other proofs: it is not indexed).
    fn push_point(&mut self, point: RistrettoPoint) -> usize {
        self.points.push(point);
        self.points.len() - 1
    }

    fn push(&mut self, equations: Option<Vec<Equation>>) -> usize {
        self.entries.push(match equations {
            Some(equations) => Entry { bad: false, equations },
            None => Entry { bad: true, equations: Vec::new() },
        });
        self.entries.len() - 1
    }

    /// response · G = commitment + challenge · public.
    fn schnorr(&mut self, public: &[u8], commitment: &[u8], response: &[u8], challenge: &[u8]) -> Option<Vec<Equation>> {
        let (x, a) = (self.point(public)?, self.point(commitment)?);
        let (z, c) = (canonical_scalar(response)?, canonical_scalar(challenge)?);
        Some(vec![Equation { base: z, terms: vec![(-Scalar::ONE, a), (-c, x)] }])
    }

    /// response · base = commitment + challenge · public (a base other than G).
    fn dlog_equation(&mut self, base: &[u8], public: &[u8], commitment: &[u8], z: Scalar, c: Scalar) -> Option<Equation> {
        let (g, h, a) = (self.point(base)?, self.point(public)?, self.point(commitment)?);
        Some(Equation { base: Scalar::ZERO, terms: vec![(z, g), (-Scalar::ONE, a), (-c, h)] })
    }

    #[allow(clippy::too_many_arguments)]
    fn disjunction(
        &mut self, public_key: &[u8], alpha: &[u8], beta: &[u8], low: u64, commitments: &[u8], challenges: &[u8],
        responses: &[u8], total: &[u8],
    ) -> Option<Vec<Equation>> {
        let n = challenges.len() / 32;
        if n == 0 || commitments.len() != 64 * n || challenges.len() != 32 * n || responses.len() != 32 * n {
            return None;
        }
        let (pk, alpha, beta) = (self.point(public_key)?, self.point(alpha)?, self.point(beta)?);
        let mut sum = Scalar::ZERO;
        let mut equations = Vec::with_capacity(2 * n);
        for i in 0..n {
            let c = canonical_scalar(&challenges[32 * i..32 * (i + 1)])?;
            let z = canonical_scalar(&responses[32 * i..32 * (i + 1)])?;
            let a = self.point(&commitments[64 * i..64 * i + 32])?;
            let b = self.point(&commitments[64 * i + 32..64 * (i + 1)])?;
            let v = Scalar::from(low.checked_add(i as u64)?);
            sum += c;
            // z · G = A + c · alpha
            equations.push(Equation { base: z, terms: vec![(-Scalar::ONE, a), (-c, alpha)] });
            // z · pk = B + c · (beta − v · G)
            equations.push(Equation { base: c * v, terms: vec![(z, pk), (-Scalar::ONE, b), (-c, beta)] });
        }
        if sum != canonical_scalar(total)? {
            return None;
        }
        Some(equations)
    }

    fn share(
        &mut self, verification_key: &[u8], alphas: &[u8], factors: &[u8], commitments: &[u8], response: &[u8],
        challenge: &[u8],
    ) -> Option<Vec<Equation>> {
        let m = alphas.len() / 32;
        if m == 0 || alphas.len() != 32 * m || factors.len() != 32 * m || commitments.len() != 32 * (m + 1) {
            return None;
        }
        let mut equations = self.schnorr(verification_key, &commitments[..32], response, challenge)?;
        let (z, c) = (canonical_scalar(response)?, canonical_scalar(challenge)?);
        for t in 0..m {
            let span = 32 * t..32 * (t + 1);
            let next = 32 * (t + 1)..32 * (t + 2);
            equations.push(self.dlog_equation(&alphas[span.clone()], &factors[span], &commitments[next], z, c)?);
        }
        Some(equations)
    }

    fn holds(&self, equation: &Equation) -> bool {
        let scalars = equation.terms.iter().map(|(s, _)| *s).chain(std::iter::once(equation.base));
        let points = equation.terms.iter().map(|(_, i)| self.points[*i]).chain(std::iter::once(RISTRETTO_BASEPOINT_POINT));
        RistrettoPoint::vartime_multiscalar_mul(scalars, points).is_identity()
    }

    /// All equations at once, each weighted by a fresh 128-bit random scalar.
    fn combination_holds(&self) -> bool {
        let count: usize = self.entries.iter().map(|e| e.equations.len()).sum();
        let mut randomness = vec![0u8; 16 * count];
        OsRng.fill_bytes(&mut randomness);
        let mut weights = randomness.chunks_exact(16).map(|w| Scalar::from(u128::from_le_bytes(w.try_into().unwrap())));
        let mut coefficients = vec![Scalar::ZERO; self.points.len()];
        let mut base = Scalar::ZERO;
        for equation in self.entries.iter().flat_map(|e| e.equations.iter()) {
            let rho = weights.next().unwrap();
            base += rho * equation.base;
            for (s, i) in &equation.terms {
                coefficients[*i] += rho * s;
            }
        }
        let points = self.points.iter().copied().chain(std::iter::once(RISTRETTO_BASEPOINT_POINT));
        RistrettoPoint::vartime_multiscalar_mul(coefficients.iter().chain(std::iter::once(&base)), points).is_identity()
    }

    fn first_bad(&self) -> Option<usize> {
        if !self.entries.iter().any(|e| e.bad) && self.combination_holds() {
            return None;
        }
        self.entries.iter().position(|e| e.bad || !e.equations.iter().all(|q| self.holds(q)))
    }
}

#[pymethods]
impl Batch {
    #[new]
    fn new() -> Self {
        Batch::default()
    }

    fn __len__(&self) -> usize {
        self.entries.len()
    }

    /// A proof already known to be bad (it failed a check made before it reached the batch).
    fn add_bad(&mut self) -> usize {
        self.push(None)
    }

    /// Schnorr proof or signature: response · G = commitment + challenge · public. Returns its index.
    fn add_schnorr(&mut self, public: &[u8], commitment: &[u8], response: &[u8], challenge: &[u8]) -> usize {
        let equations = self.schnorr(public, commitment, response, challenge);
        self.push(equations)
    }

    /// Chaum–Pedersen: z · g1 = a1 + c · h1 and z · g2 = a2 + c · h2.
    #[allow(clippy::too_many_arguments)]
    fn add_equal_logs(
        &mut self, g1: &[u8], h1: &[u8], g2: &[u8], h2: &[u8], a1: &[u8], a2: &[u8], response: &[u8], challenge: &[u8],
    ) -> usize {
        let equations = (|| {
            let (z, c) = (canonical_scalar(response)?, canonical_scalar(challenge)?);
            Some(vec![self.dlog_equation(g1, h1, a1, z, c)?, self.dlog_equation(g2, h2, a2, z, c)?])
        })();
        self.push(equations)
    }

    /// Disjunctive proof that (alpha, beta) encrypts one of low, low + 1, …: per branch
    /// A ‖ B (64 bytes), c and z (32 bytes each); the challenges must add up to ``total``.
    #[allow(clippy::too_many_arguments)]
    fn add_disjunction(
        &mut self, public_key: &[u8], alpha: &[u8], beta: &[u8], low: u64, commitments: &[u8], challenges: &[u8],
        responses: &[u8], total: &[u8],
    ) -> usize {
        let equations = self.disjunction(public_key, alpha, beta, low, commitments, challenges, responses, total);
        self.push(equations)
    }

    /// Decryption share: z · G = a_0 + c · X and z · alpha_t = a_t + c · D_t for every t.
    fn add_share(
        &mut self, verification_key: &[u8], alphas: &[u8], factors: &[u8], commitments: &[u8], response: &[u8],
        challenge: &[u8],
    ) -> usize {
        let equations = self.share(verification_key, alphas, factors, commitments, response, challenge);
        self.push(equations)
    }

    /// Adds a whole ballot (its canonical JSON) as one entry when it is exactly a well-formed
    /// ballot of ``shape`` whose transcript challenges all match (ballot.rs); returns False,
    /// adding nothing, for anything else (the caller then checks it the ordinary way).
    fn add_ballot(&mut self, py: Python<'_>, shape: &ballot::BallotShape, ballot: &[u8]) -> bool {
        self.add_ballot_bytes(py, shape, ballot)
    }

    /// The index of the first proof that does not verify, or None when all do.
    fn first_failure(&self, py: Python<'_>) -> Option<usize> {
        py.allow_threads(|| self.first_bad())
    }
}

#[pymodule]
fn vybory_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(is_valid_point, m)?)?;
    m.add_function(wrap_pyfunction!(decoded_points, m)?)?;
    m.add_function(wrap_pyfunction!(add, m)?)?;
    m.add_function(wrap_pyfunction!(sub, m)?)?;
    m.add_function(wrap_pyfunction!(scalarmult, m)?)?;
    m.add_function(wrap_pyfunction!(scalarmult_base, m)?)?;
    m.add_function(wrap_pyfunction!(from_hash, m)?)?;
    m.add_function(wrap_pyfunction!(multiscalar_mul, m)?)?;
    m.add_function(wrap_pyfunction!(vartime_multiscalar_mul, m)?)?;
    m.add_function(wrap_pyfunction!(sum_points, m)?)?;
    m.add_function(wrap_pyfunction!(sum_ciphertexts, m)?)?;
    m.add_function(wrap_pyfunction!(disjunction_commitments, m)?)?;
    m.add_class::<FixedBase>()?;
    m.add_class::<CiphertextSums>()?;
    m.add_class::<Batch>()?;
    m.add_class::<DecodedCiphertexts>()?;
    m.add_function(wrap_pyfunction!(decode_ciphertexts_hex, m)?)?;
    m.add_class::<ballot::BallotShape>()?;
    Ok(())
}

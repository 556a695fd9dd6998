//! A whole cast ballot checked in one call (spec §1.4, §12): its canonical JSON read, its
//! transcripts hashed, its points decoded once and its signature and proofs added to a batch.
//!
//! This is an accelerator, never a judge. `Batch.add_ballot` accepts only the bytes that are
//! exactly the canonical JSON of a well-formed ballot of the expected shape (the contests of
//! the layouts, in order, each with its selections and range proofs, every point a canonical
//! encoding, every scalar below ℓ, no identity where the ballot format refuses one, no
//! repeated ciphertext); it then adds the ballot's equations to the batch. For anything else
//! it returns False and adds nothing, and the caller checks the ballot the ordinary way, which
//! names what is wrong. So what it accepts is a subset of what the ordinary check accepts.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use sha2::{Digest, Sha512};

use crate::{canonical_scalar, decode, Batch, Equation};

/// A contest as the caller describes it: (canonical JSON of its id, maxima, constraints).
type ContestArgument = (Vec<u8>, Vec<u64>, Vec<(Vec<usize>, u64, u64)>);

/// One contest of the layouts: its id as canonical JSON, each selection's largest value, and
/// the constraints (selection indices, minimum, maximum).
struct ContestShape {
    id_json: Vec<u8>,
    maxima: Vec<u64>,
    constraints: Vec<(Vec<usize>, u64, u64)>,
}

/// What a ballot of one round in one district must be: the election, the round, the key, the
/// contests; and the transcript prefixes lp(tag) ‖ lp(version) ‖ lp(group) ‖ lp(fingerprint)
/// of the signature, 0/1 and range transcripts (spec §2.2), computed by the caller.
#[pyclass(frozen)]
pub struct BallotShape {
    election_hex: Vec<u8>,
    round_json: Vec<u8>,
    public_key: [u8; 32],
    signature_prefix: Vec<u8>,
    zero_one_prefix: Vec<u8>,
    range_prefix: Vec<u8>,
    contests: Vec<ContestShape>,
}

const MAX_CONTESTS: usize = 256;
const MAX_SELECTIONS: usize = 4096;
const MAX_RANGE_WIDTH: u64 = 256;

#[pymethods]
impl BallotShape {
    /// ``contests``: (canonical JSON of the contest id, maxima, [(indices, minimum, maximum)]).
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(
        fingerprint: &[u8], round: u64, public_key: &[u8], signature_prefix: Vec<u8>, zero_one_prefix: Vec<u8>,
        range_prefix: Vec<u8>, contests: Vec<ContestArgument>,
    ) -> PyResult<Self> {
        let refuse = |why: &str| Err(PyValueError::new_err(format!("ballot shape: {why}")));
        if fingerprint.len() != 32 {
            return refuse("the fingerprint must be 32 bytes");
        }
        if !(1..=1_000_000).contains(&round) {
            return refuse("the round must be 1 to 10^6");
        }
        let Ok(key) = <[u8; 32]>::try_from(public_key) else { return refuse("the key must be 32 bytes") };
        if decode(&key).is_none() || key == [0u8; 32] {
            return refuse("the key must be a valid point other than the identity");
        }
        if contests.is_empty() || contests.len() > MAX_CONTESTS {
            return refuse("1 to 256 contests");
        }
        let mut shapes = Vec::with_capacity(contests.len());
        for (id_json, maxima, constraints) in contests {
            if id_json.len() < 3 || id_json[0] != b'"' || maxima.is_empty() || maxima.len() > MAX_SELECTIONS
                || constraints.len() > MAX_SELECTIONS
            {
                return refuse("a contest needs an id and 1 to 4096 selections");
            }
            if shapes.iter().any(|s: &ContestShape| s.id_json == id_json) {
                return refuse("contest ids must be distinct");
            }
            if maxima.iter().any(|&m| m == 0 || m >= MAX_RANGE_WIDTH) {
                return refuse("a selection's largest value must be 1 to 255");
            }
            for (indices, low, high) in &constraints {
                if indices.is_empty() || indices.iter().any(|&i| i >= maxima.len()) || low > high
                    || high - low >= MAX_RANGE_WIDTH
                {
                    return refuse("a constraint needs selection indices and a range of at most 256 values");
                }
            }
            shapes.push(ContestShape { id_json, maxima, constraints });
        }
        Ok(BallotShape {
            election_hex: hex(fingerprint),
            round_json: round.to_string().into_bytes(),
            public_key: key,
            signature_prefix,
            zero_one_prefix,
            range_prefix,
            contests: shapes,
        })
    }
}

fn hex(data: &[u8]) -> Vec<u8> {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    data.iter().flat_map(|b| [DIGITS[(b >> 4) as usize], DIGITS[(b & 15) as usize]]).collect()
}

/// A reader of exactly the canonical JSON of a ballot: every method returns None on anything else.
struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn literal(&mut self, text: &[u8]) -> Option<()> {
        let end = self.at.checked_add(text.len())?;
        (self.data.get(self.at..end)? == text).then(|| self.at = end)
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.at).copied()
    }

    /// "…" holding 64 lowercase hex digits: the 32 bytes.
    fn hex32(&mut self) -> Option<[u8; 32]> {
        self.literal(b"\"")?;
        let digits = self.data.get(self.at..self.at + 64)?;
        let mut out = [0u8; 32];
        for (i, pair) in digits.chunks_exact(2).enumerate() {
            out[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
        }
        self.at += 64;
        self.literal(b"\"")?;
        Some(out)
    }

    /// A list of items read by `item`, "[" item ("," item)* "]", or "[]" when `empty` allows it.
    fn list<T>(&mut self, empty: bool, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        self.literal(b"[")?;
        let mut out = Vec::new();
        if self.peek()? == b']' {
            self.at += 1;
            return empty.then_some(out);
        }
        loop {
            out.push(item(self)?);
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(out);
                }
                _ => return None,
            }
        }
    }
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// A disjunctive proof as read: per branch (A, B), c, z.
struct Disjunction {
    commitments: Vec<([u8; 32], [u8; 32])>,
    challenges: Vec<Scalar>,
    responses: Vec<Scalar>,
}

fn read_disjunction(r: &mut Reader) -> Option<Disjunction> {
    let scalar = |r: &mut Reader| canonical_scalar(&r.hex32()?);
    r.literal(b"{\"challenges\":")?;
    let challenges = r.list(false, scalar)?;
    r.literal(b",\"commitments\":")?;
    let commitments = r.list(false, |r| {
        r.literal(b"[")?;
        let a = r.hex32()?;
        r.literal(b",")?;
        let b = r.hex32()?;
        r.literal(b"]")?;
        Some((a, b))
    })?;
    r.literal(b",\"responses\":")?;
    let responses = r.list(false, scalar)?;
    r.literal(b"}")?;
    let n = commitments.len();
    (challenges.len() == n && responses.len() == n && n as u64 <= MAX_RANGE_WIDTH).then_some(Disjunction {
        commitments,
        challenges,
        responses,
    })
}

struct Selection {
    alpha: [u8; 32],
    beta: [u8; 32],
    proof: Disjunction,
}

fn read_selection(r: &mut Reader) -> Option<Selection> {
    r.literal(b"{\"ciphertext\":{\"alpha\":")?;
    let alpha = r.hex32()?;
    r.literal(b",\"beta\":")?;
    let beta = r.hex32()?;
    r.literal(b"},\"proof\":")?;
    let proof = read_disjunction(r)?;
    r.literal(b"}")?;
    Some(Selection { alpha, beta, proof })
}

struct Contest {
    range_proofs: Vec<Disjunction>,
    selections: Vec<Selection>,
}

fn read_contest(r: &mut Reader, shape: &ContestShape) -> Option<Contest> {
    r.literal(b"{\"contest\":")?;
    r.literal(&shape.id_json)?;
    r.literal(b",\"range_proofs\":")?;
    let range_proofs = r.list(true, read_disjunction)?;
    r.literal(b",\"selections\":")?;
    let selections = r.list(false, read_selection)?;
    r.literal(b"}")?;
    (selections.len() == shape.maxima.len() && range_proofs.len() == shape.constraints.len())
        .then_some(Contest { range_proofs, selections })
}

/// The length-prefixed field lp(label) ‖ lp(value) of a transcript.
fn field(hash: &mut Sha512, label: &[u8], value: &[u8]) {
    hash.update((label.len() as u32).to_be_bytes());
    hash.update(label);
    hash.update((value.len() as u32).to_be_bytes());
    hash.update(value);
}

fn challenge(hash: Sha512) -> Scalar {
    Scalar::from_bytes_mod_order_wide(&hash.finalize().into())
}

/// A point of the ballot: decoded, and not the identity unless `identity` allows it.
fn point(data: &[u8; 32], identity: bool) -> Option<RistrettoPoint> {
    if !identity && *data == [0u8; 32] {
        return None;
    }
    decode(data)
}

/// One disjunction ready for the batch: the ciphertext's points, its branches decoded, its
/// transcript challenge checked against the sum of the branch challenges.
struct Ready {
    alpha: RistrettoPoint,
    beta: RistrettoPoint,
    low: u64,
    commitments: Vec<(RistrettoPoint, RistrettoPoint)>,
    challenges: Vec<Scalar>,
    responses: Vec<Scalar>,
}

/// The statement's transcript (credential, key, alpha, beta [, low, high]) and the branches:
/// the proof's challenge; None when the branch count is not high − low + 1, a commitment does
/// not decode, or the branch challenges do not add up to the transcript's.
#[allow(clippy::too_many_arguments)]
fn ready(
    prefix: &[u8], credential: &[u8; 32], key: &[u8; 32], alpha: (&[u8; 32], RistrettoPoint),
    beta: (&[u8; 32], RistrettoPoint), bounds: Option<(u64, u64)>, proof: Disjunction,
) -> Option<Ready> {
    let (low, high) = bounds.unwrap_or((0, 1));
    if proof.commitments.len() as u64 != high - low + 1 {
        return None;
    }
    let mut hash = Sha512::new();
    hash.update(prefix);
    field(&mut hash, b"credential", credential);
    field(&mut hash, b"public_key", key);
    field(&mut hash, b"alpha", alpha.0);
    field(&mut hash, b"beta", beta.0);
    if bounds.is_some() {
        field(&mut hash, b"low", &low.to_be_bytes());
        field(&mut hash, b"high", &high.to_be_bytes());
    }
    let mut commitments = Vec::with_capacity(proof.commitments.len());
    for (a, b) in &proof.commitments {
        field(&mut hash, b"A", a);
        field(&mut hash, b"B", b);
        commitments.push((point(a, true)?, point(b, true)?));
    }
    let total: Scalar = proof.challenges.iter().sum();
    (total == challenge(hash)).then_some(Ready {
        alpha: alpha.1,
        beta: beta.1,
        low,
        commitments,
        challenges: proof.challenges,
        responses: proof.responses,
    })
}

/// Everything a well-formed ballot adds to a batch, or None.
struct Checked {
    credential: RistrettoPoint,
    signature: (RistrettoPoint, Scalar, Scalar),
    disjunctions: Vec<Ready>,
}

fn check(shape: &BallotShape, data: &[u8]) -> Option<Checked> {
    let mut r = Reader { data, at: 0 };
    r.literal(b"{\"contests\":")?;
    let mut index = 0;
    let contests = r.list(false, |r| {
        let contest = read_contest(r, shape.contests.get(index)?)?;
        index += 1;
        Some(contest)
    })?;
    if contests.len() != shape.contests.len() {
        return None;
    }
    r.literal(b",\"credential\":")?;
    let credential_bytes = r.hex32()?;
    r.literal(b",\"election\":\"")?;
    r.literal(&shape.election_hex)?;
    r.literal(b"\",\"format\":\"vybory-ballot\",\"round\":")?;
    r.literal(&shape.round_json)?;
    let body_end = r.at;
    r.literal(b",\"signature\":{\"commitment\":")?;
    let commitment = r.hex32()?;
    r.literal(b",\"response\":")?;
    let response = canonical_scalar(&r.hex32()?)?;
    r.literal(b"}")?;
    let tail = r.at;
    r.literal(b",\"version\":1}")?;
    if r.at != data.len() {
        return None;
    }
    let credential = point(&credential_bytes, false)?;

    // The signed message: the canonical JSON of the ballot without its signature.
    let mut message = Vec::with_capacity(data.len());
    message.extend_from_slice(&data[..body_end]);
    message.extend_from_slice(&data[tail..]);
    let mut hash = Sha512::new();
    hash.update(&shape.signature_prefix);
    field(&mut hash, b"credential", &credential_bytes);
    field(&mut hash, b"message", &message);
    field(&mut hash, b"commitment", &commitment);
    let signature = (point(&commitment, true)?, response, challenge(hash));

    let mut seen = std::collections::HashSet::new();
    let mut disjunctions = Vec::new();
    for (contest, layout) in contests.into_iter().zip(&shape.contests) {
        let mut decoded = Vec::with_capacity(contest.selections.len());
        for (selection, &maximum) in contest.selections.into_iter().zip(&layout.maxima) {
            let mut both = [0u8; 64];
            both[..32].copy_from_slice(&selection.alpha);
            both[32..].copy_from_slice(&selection.beta);
            if !seen.insert(both) {
                return None;
            }
            let (alpha, beta) = (point(&selection.alpha, false)?, point(&selection.beta, false)?);
            decoded.push((alpha, beta));
            let (prefix, bounds) =
                if maximum == 1 { (&shape.zero_one_prefix, None) } else { (&shape.range_prefix, Some((0, maximum))) };
            disjunctions.push(ready(
                prefix, &credential_bytes, &shape.public_key, (&selection.alpha, alpha), (&selection.beta, beta),
                bounds, selection.proof,
            )?);
        }
        for ((indices, low, high), proof) in layout.constraints.iter().zip(contest.range_proofs) {
            let alpha: RistrettoPoint = indices.iter().map(|&i| decoded[i].0).sum();
            let beta: RistrettoPoint = indices.iter().map(|&i| decoded[i].1).sum();
            let (a, b) = (alpha.compress().to_bytes(), beta.compress().to_bytes());
            disjunctions.push(ready(
                &shape.range_prefix, &credential_bytes, &shape.public_key, (&a, alpha), (&b, beta),
                Some((*low, *high)), proof,
            )?);
        }
    }
    Some(Checked { credential, signature, disjunctions })
}

impl Batch {
    fn add_checked(&mut self, shape: &BallotShape, checked: Checked) {
        let pk = self.point(&shape.public_key).expect("the shape's key decodes");
        let (commitment, z, c) = checked.signature;
        let (x, a) = (self.push_point(checked.credential), self.push_point(commitment));
        let mut equations = vec![Equation { base: z, terms: vec![(-Scalar::ONE, a), (-c, x)] }];
        for d in checked.disjunctions {
            let (alpha, beta) = (self.push_point(d.alpha), self.push_point(d.beta));
            for (i, (a, b)) in d.commitments.into_iter().enumerate() {
                let (c, z) = (d.challenges[i], d.responses[i]);
                let (a, b) = (self.push_point(a), self.push_point(b));
                let v = Scalar::from(d.low + i as u64);
                equations.push(Equation { base: z, terms: vec![(-Scalar::ONE, a), (-c, alpha)] });
                equations.push(Equation { base: c * v, terms: vec![(z, pk), (-Scalar::ONE, b), (-c, beta)] });
            }
        }
        self.push(Some(equations));
    }
}

impl Batch {
    /// See `Batch.add_ballot` (lib.rs).
    pub(crate) fn add_ballot_bytes(&mut self, py: Python<'_>, shape: &BallotShape, ballot: &[u8]) -> bool {
        match py.allow_threads(|| check(shape, ballot)) {
            Some(checked) => {
                self.add_checked(shape, checked);
                true
            }
            None => false,
        }
    }
}

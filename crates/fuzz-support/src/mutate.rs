//! A small deterministic mutator: the CI short run of the fuzz targets on a stable toolchain.
//! It does what libFuzzer's default mutators do, in miniature — bit flips, interesting bytes,
//! insertions (random bytes and dictionary tokens), deletions, duplications, truncations and
//! splices of two seeds — from a fixed seed, so a failure is reproducible from its iteration.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

/// xorshift64*: enough randomness for mutation, and the same sequence on every machine.
pub struct Mutator {
    state: u64,
    dictionary: Vec<Vec<u8>>,
}

impl Mutator {
    pub fn new(seed: u64, dictionary: &[&[u8]]) -> Self {
        Mutator { state: seed | 1, dictionary: dictionary.iter().map(|t| t.to_vec()).collect() }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// One to four stacked mutations of `input`; `others` are splice partners.
    pub fn mutate(&mut self, input: &[u8], others: &[Vec<u8>]) -> Vec<u8> {
        const INTERESTING: &[u8] = b"\x00\x01\x7f\x80\xff\"',;\n\r\t\\{}[]:-.0123456789eE+/ \xef\xbb\xbf";
        let mut b = input.to_vec();
        for _ in 0..=self.below(4) {
            let at = self.below(b.len() + 1);
            match self.below(9) {
                0 if at < b.len() => b[at] ^= 1 << self.below(8),
                1 if at < b.len() => b[at] = INTERESTING[self.below(INTERESTING.len())],
                2 => {
                    for _ in 0..=self.below(8) {
                        let byte = self.next_u64() as u8;
                        b.insert(at.min(b.len()), byte);
                    }
                }
                3 if !self.dictionary.is_empty() => {
                    let i = self.below(self.dictionary.len());
                    let t = self.dictionary[i].clone();
                    b.splice(at..at, t);
                }
                4 if at < b.len() => {
                    let end = (at + 1 + self.below(16)).min(b.len());
                    b.drain(at..end);
                }
                5 if at < b.len() => {
                    let end = (at + 1 + self.below(32)).min(b.len());
                    let piece: Vec<u8> = b[at..end].to_vec();
                    let to = self.below(b.len() + 1);
                    b.splice(to..to, piece);
                }
                6 => b.truncate(at),
                7 if !others.is_empty() => {
                    let other = &others[self.below(others.len())];
                    let from = self.below(other.len() + 1);
                    b.truncate(at);
                    b.extend_from_slice(&other[from..]);
                }
                _ => {
                    // A number where a digit was: overflow and sign cases.
                    let n: &[u8] = match self.below(6) {
                        0 => b"-1",
                        1 => b"0",
                        2 => b"2147483648",
                        3 => b"9223372036854775808",
                        4 => b"1e308",
                        _ => b"99999999999999999999",
                    };
                    b.splice(at..at, n.iter().copied());
                }
            }
        }
        b
    }
}

/// What a short run did.
#[derive(Debug, Clone, Copy)]
pub struct RunStats {
    pub executions: usize,
    pub elapsed: Duration,
}

/// Runs `check` on every seed, then on up to `iterations` mutations of them (seeded by `seed`),
/// stopping early after `budget`. A failure (an `Err` or a panic) is returned with the input
/// that caused it, escaped, so it can be put in `fuzz/seeds/` and replayed.
pub fn short_run(
    seeds: &[Vec<u8>],
    dictionary: &[&[u8]],
    iterations: usize,
    seed: u64,
    budget: Duration,
    mut check: impl FnMut(&[u8]) -> Result<(), String>,
) -> Result<RunStats, String> {
    let started = Instant::now();
    let mut run = |input: &[u8], what: &str| -> Result<(), String> {
        match catch_unwind(AssertUnwindSafe(|| check(input))) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(why)) => Err(format!("{what}: {why}\ninput: {:?}", input.escape_ascii().to_string())),
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                Err(format!("{what}: panic: {msg}\ninput: {:?}", input.escape_ascii().to_string()))
            }
        }
    };
    let mut executions = 0;
    for (i, s) in seeds.iter().enumerate() {
        run(s, &format!("seed {i}"))?;
        executions += 1;
    }
    if seeds.is_empty() {
        return Ok(RunStats { executions, elapsed: started.elapsed() });
    }
    let mut m = Mutator::new(seed, dictionary);
    for i in 0..iterations {
        if started.elapsed() > budget {
            break;
        }
        let base = &seeds[m.below(seeds.len())];
        let input = m.mutate(base, seeds);
        run(&input, &format!("mutation {i} (seed {seed:#x})"))?;
        executions += 1;
    }
    Ok(RunStats { executions, elapsed: started.elapsed() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_mutations() {
        let seeds = vec![b"asset_tag,manufacturer\nA-1,Acme\n".to_vec()];
        let run = |s| {
            let mut m = Mutator::new(s, &[b"x"]);
            (0..50).map(|_| m.mutate(&seeds[0], &seeds)).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn a_failure_names_its_input() {
        let seeds = vec![b"ok".to_vec(), b"bad".to_vec()];
        let r = short_run(&seeds, &[], 10, 1, Duration::from_secs(5), |i| {
            if i == b"bad" { Err("refused".into()) } else { Ok(()) }
        });
        let e = r.err().unwrap_or_default();
        assert!(e.contains("seed 1: refused") && e.contains("bad"), "{e}");
        let r = short_run(&seeds[..1], &[], 1000, 1, Duration::from_secs(5), |i| {
            assert!(i.len() < 1_000_000);
            Ok(())
        });
        assert!(r.is_ok_and(|s| s.executions > 1));
    }
}

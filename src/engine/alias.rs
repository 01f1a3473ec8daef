//! Sampling an index from fixed weights in O(1): Walker's alias method, in
//! Vose's numerically stable construction.
//!
//! Used for key popularity: a Zipf law over a million keys by rejection
//! costs two `pow` calls per draw; a table costs one random number and two
//! array reads, and its draws are exact for the given weights (to f64
//! rounding when the table is built).

use rand::Rng;

/// A table that draws `i` with probability `weights[i] / sum(weights)`.
#[derive(Clone, Debug)]
pub struct AliasTable {
    /// One column per index, threshold and alias side by side so that a draw
    /// touches one cache line.
    columns: Box<[Column]>,
}

#[derive(Clone, Copy, Debug)]
struct Column {
    /// Accept the column's own index when the coin is below this (of 2^64).
    threshold: u64,
    /// Otherwise draw this index.
    alias: u32,
}

impl AliasTable {
    /// Builds the table. `weights` must be non-empty, at most `u32::MAX`
    /// long, finite, non-negative and not all zero.
    pub fn new(weights: &[f64]) -> Result<AliasTable, String> {
        let n = weights.len();
        if n == 0 || n > u32::MAX as usize {
            return Err(format!("an alias table needs 1 to 2^32-1 weights, got {n}"));
        }
        if weights.iter().any(|w| !(w.is_finite() && *w >= 0.0)) {
            return Err("weights must be finite and non-negative".into());
        }
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            return Err("weights must not all be zero".into());
        }
        // Scaled so the mean column holds exactly 1.
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let mut prob = vec![1.0f64; n];
        let (mut small, mut large): (Vec<u32>, Vec<u32>) =
            (0..n as u32).partition(|&i| scaled[i as usize] < 1.0);
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            prob[s as usize] = scaled[s as usize];
            alias[s as usize] = l;
            scaled[l as usize] -= 1.0 - scaled[s as usize];
            if scaled[l as usize] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Leftovers are 1 up to rounding: they always accept (prob stays 1).
        let columns = prob
            .iter()
            .zip(&alias)
            .map(|(&p, &alias)| Column {
                threshold: if p >= 1.0 {
                    u64::MAX
                } else {
                    (p * 18_446_744_073_709_551_616.0) as u64
                },
                alias,
            })
            .collect();
        Ok(AliasTable { columns })
    }

    /// Number of indices.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// True for a table of no indices (never built).
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// One draw.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u32 {
        self.index_of(rng.next_u64())
    }

    /// The index drawn by the 64-bit random number `draw`: the column is
    /// the high part of `draw * n`, the coin the low part (uniform given the
    /// column). Split from the random number so that callers can draw
    /// ahead and [`AliasTable::prefetch`] the column.
    #[inline]
    pub fn index_of(&self, draw: u64) -> u32 {
        let (i, coin) = self.column_of(draw);
        let column = self.columns[i];
        if coin < column.threshold {
            i as u32
        } else {
            column.alias
        }
    }

    /// Asks the CPU to bring the column of `draw` into cache.
    #[inline]
    pub fn prefetch(&self, draw: u64) {
        crate::engine::prefetch(&self.columns[self.column_of(draw).0]);
    }

    #[inline]
    fn column_of(&self, draw: u64) -> (usize, u64) {
        let wide = u128::from(draw) * self.columns.len() as u128;
        ((wide >> 64) as usize, wide as u64)
    }
}

/// Zipf weights: rank r (1-based) has weight r^-s; index 0 is rank 1.
pub fn zipf_weights(n: u32, s: f64) -> Vec<f64> {
    (1..=n).map(|r| f64::from(r).powf(-s)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;

    #[test]
    fn frequencies_match_weights() {
        let w = [1.0, 2.0, 3.0, 4.0, 0.0];
        let t = AliasTable::new(&w).unwrap();
        let mut rng = stream(9, 0, "alias");
        let n = 1_000_000;
        let mut counts = [0u32; 5];
        for _ in 0..n {
            counts[t.sample(&mut rng) as usize] += 1;
        }
        for (i, &c) in counts.iter().enumerate() {
            let expected = w[i] / 10.0;
            let got = f64::from(c) / f64::from(n);
            // Standard error is at most 0.0005 here; 0.002 is four of them.
            assert!(
                (got - expected).abs() < 0.002,
                "index {i}: {got} vs {expected}"
            );
        }
        assert_eq!(counts[4], 0, "a zero weight is never drawn");
    }

    #[test]
    fn zipf_head_share_matches_formula() {
        // P(rank 1) = 1 / H(n, s).
        let (n, s) = (1000u32, 1.0);
        let w = zipf_weights(n, s);
        let h: f64 = w.iter().sum();
        let t = AliasTable::new(&w).unwrap();
        let mut rng = stream(9, 1, "zipf");
        let draws = 500_000;
        let hits = (0..draws).filter(|_| t.sample(&mut rng) == 0).count();
        let got = hits as f64 / draws as f64;
        assert!((got - 1.0 / h).abs() < 0.003, "{got} vs {}", 1.0 / h);
    }

    #[test]
    fn refuses_bad_weights() {
        assert!(AliasTable::new(&[]).is_err());
        assert!(AliasTable::new(&[0.0, 0.0]).is_err());
        assert!(AliasTable::new(&[1.0, f64::NAN]).is_err());
        assert!(AliasTable::new(&[1.0, -1.0]).is_err());
    }
}

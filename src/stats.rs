//! Small numerical helpers: the gamma and incomplete beta functions, the
//! Student t distribution, and confidence intervals across replications.
//! Written here because no maintained crate offers just these without a
//! large dependency tree; each is checked against published values.

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error ~1e-15).
pub fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let a = G[1..]
        .iter()
        .enumerate()
        .fold(G[0], |a, (i, g)| a + g / (x + i as f64 + 1.0));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Regularised incomplete beta function I_x(a, b), by the continued
/// fraction of Numerical Recipes (modified Lentz), accurate to ~1e-14.
pub fn betainc(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    // The fraction converges fast for x < (a + 1) / (a + b + 2); use the
    // symmetry I_x(a, b) = 1 - I_{1-x}(b, a) otherwise.
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_fraction(a, b, x) / a
    } else {
        1.0 - ln_front.exp() * beta_fraction(b, a, 1.0 - x) / b
    }
}

fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..300 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// P(T <= t) for Student's t with `df` degrees of freedom.
pub fn student_t_cdf(t: f64, df: f64) -> f64 {
    let tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t));
    if t >= 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

/// The `p` quantile of Student's t with `df` degrees of freedom (bisection
/// on the CDF to 1e-12).
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    let (mut lo, mut hi) = (-1e4, 1e4);
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if student_t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-12 {
            break;
        }
    }
    (lo + hi) / 2.0
}

/// Mean and two-sided confidence interval of independent replications.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    /// Sample mean.
    pub mean: f64,
    /// Lower bound; `None` with fewer than two values.
    pub low: Option<f64>,
    /// Upper bound; `None` with fewer than two values.
    pub high: Option<f64>,
    /// Number of values.
    pub n: usize,
}

/// Mean of `values` with a Student-t interval at `confidence` (e.g. 0.95).
/// `None` for no values.
pub fn interval(values: &[f64], confidence: f64) -> Option<Interval> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Some(Interval {
            mean,
            low: None,
            high: None,
            n,
        });
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = student_t_quantile(0.5 + confidence / 2.0, (n - 1) as f64) * (var / n as f64).sqrt();
    Some(Interval {
        mean,
        low: Some(mean - half),
        high: Some(mean + half),
        n,
    })
}

/// How the replications of one figure are summarised.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Spread {
    /// A two-sided Student-t interval of the mean, its ends kept inside
    /// `[0, max]` (every figure regionsim reports is non-negative; shares
    /// are at most 1).
    Mean {
        /// Upper end of the figure's domain, if it has one.
        max: Option<f64>,
    },
    /// For extremes (a maximum or minimum of one run): the mean of the
    /// replications and the range from the smallest to the largest. A
    /// t-interval assumes a roughly normal mean, which extremes are not.
    Range,
}

impl Spread {
    /// The interval of `values` at `confidence` by this spread.
    pub fn interval(self, values: &[f64], confidence: f64) -> Option<Interval> {
        let mut i = interval(values, confidence)?;
        match self {
            Spread::Range if i.n >= 2 => {
                i.low = values.iter().copied().reduce(f64::min);
                i.high = values.iter().copied().reduce(f64::max);
            }
            Spread::Range => {}
            Spread::Mean { max } => {
                i.low = i.low.map(|l| l.max(0.0));
                i.high = i.high.map(|h| max.map_or(h, |m| h.min(m)));
            }
        }
        Some(i)
    }
}

/// What the report says about its intervals.
pub const SPREAD_NOTE: &str = "figures are means over replications; with two or more, a \
95 % Student-t interval of the mean, its ends kept at 0 or above (and shares at 100 % or below); \
for extremes (min_ms, max_ms, current_lag_max_ms) the range from the smallest to the largest \
replication instead";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_matches_known_values() {
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-12);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-12);
    }

    /// Two-sided 95 % critical values from standard t tables.
    #[test]
    fn t_quantiles_match_tables() {
        for (df, t) in [
            (1.0, 12.706),
            (2.0, 4.303),
            (4.0, 2.776),
            (9.0, 2.262),
            (29.0, 2.045),
            (120.0, 1.980),
        ] {
            let q = student_t_quantile(0.975, df);
            assert!((q - t).abs() < 5e-4, "df {df}: {q} vs {t}");
        }
        assert!((student_t_quantile(0.995, 4.0) - 4.604).abs() < 5e-4);
        assert!((student_t_quantile(0.5, 7.0)).abs() < 1e-6);
    }

    #[test]
    fn interval_by_hand() {
        // mean 2, sample sd 1, n = 3: half-width 4.303 / sqrt(3).
        let i = interval(&[1.0, 2.0, 3.0], 0.95).unwrap();
        assert_eq!(i.mean, 2.0);
        let half = 4.302_652_7 / 3f64.sqrt();
        assert!((i.high.unwrap() - 2.0 - half).abs() < 1e-5);
        assert!((2.0 - i.low.unwrap() - half).abs() < 1e-5);
        assert_eq!(interval(&[5.0], 0.95).unwrap().high, None);
        assert_eq!(interval(&[], 0.95), None);
    }
}

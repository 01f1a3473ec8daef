//! Delay distributions. Every sample is a [`Duration`] in whole nanoseconds;
//! parameters are checked when a distribution is built, so sampling never
//! fails and never panics.

use super::time::Duration;
use crate::stats::ln_gamma;
use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp, LogNormal, Normal, Pareto, StandardNormal, Weibull};

/// z-score of the 99th percentile of the standard normal distribution.
const Z99: f64 = 2.326_347_874_040_841;
/// Nanoseconds per millisecond, for parameters given in ln(ms).
const NS_PER_MS: f64 = 1e6;

/// A distribution of durations, built from validated parameters.
#[derive(Clone, Debug)]
pub struct Dist {
    kind: Kind,
    /// Mean in nanoseconds, computed from the parameters (infinite for a
    /// Pareto with shape <= 1). Used by load checks, never by sampling.
    mean: f64,
    /// The largest duration among the parameters, in nanoseconds (for the
    /// lognormal by mu and sigma, its median). Used by limit checks.
    largest: f64,
    /// No sample is below this many nanoseconds (before rounding).
    least: f64,
    /// Mean of the samples as drawn (capped at [`MAX_SAMPLE`]): finite even
    /// where `mean` is not. Used by cost estimates.
    capped_mean: f64,
}

/// Largest sample of a Pareto law: one year. Its heavy tail (with an
/// infinite mean) would otherwise produce delays that saturate the
/// 584-year clock and turn every later figure into nonsense; a year is
/// beyond any span regionsim simulates. The other laws, with parameters
/// and means of at most a day (the scenario limits), do not come near it.
pub const MAX_SAMPLE: Duration = Duration::from_secs(366 * 24 * 3600);

#[derive(Clone, Debug)]
enum Kind {
    Constant(Duration),
    /// Uniform between `min` and `min + width` (ns).
    Uniform {
        min: f64,
        width: f64,
    },
    /// Normal, truncated at zero by resampling.
    Normal(Normal<f64>),
    /// `base` plus a lognormal term (ns).
    LogNormal {
        base: f64,
        ln: LogNormal<f64>,
    },
    /// `base` plus an exponential term (ns).
    Exponential {
        base: f64,
        exp: Exp<f64>,
    },
    Pareto(Pareto<f64>),
    Weibull(Weibull<f64>),
    /// Piecewise-linear inverse CDF through `(cumulative probability, ns)`
    /// points, the first at probability 0 and the last at 1.
    Empirical(Box<[(f64, f64)]>),
}

fn ns(d: Duration) -> f64 {
    d.as_nanos() as f64
}

fn positive(name: &str, x: f64) -> Result<f64, String> {
    if x.is_finite() && x > 0.0 {
        Ok(x)
    } else {
        Err(format!("{name} must be a positive number, got {x}"))
    }
}

impl Dist {
    /// Always `d`.
    pub fn constant(d: Duration) -> Dist {
        Dist {
            kind: Kind::Constant(d),
            mean: ns(d),
            largest: ns(d),
            least: ns(d),
            capped_mean: ns(d),
        }
    }

    /// Uniform on `[min, max]`.
    pub fn uniform(min: Duration, max: Duration) -> Result<Dist, String> {
        if max < min {
            return Err(format!("max ({max}) must not be below min ({min})"));
        }
        let (lo, hi) = (ns(min), ns(max));
        Ok(Dist {
            kind: Kind::Uniform {
                min: lo,
                width: hi - lo,
            },
            mean: (lo + hi) / 2.0,
            largest: hi,
            least: lo,
            capped_mean: (lo + hi) / 2.0,
        })
    }

    /// Normal with the given mean and standard deviation, truncated at 0.
    pub fn normal(mean: Duration, stddev: Duration) -> Result<Dist, String> {
        if mean == Duration::ZERO {
            return Err("mean must be above 0".into());
        }
        let (mu, s) = (ns(mean), ns(stddev));
        let n = Normal::new(mu, s).map_err(|e| e.to_string())?;
        // Mean of the normal truncated at 0: mu + s * phi(a) / (1 - Phi(a)).
        let truncated_mean = if s == 0.0 {
            mu
        } else {
            let a = -mu / s;
            let phi = (-a * a / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
            mu + s * phi / (1.0 - std_normal_cdf(a))
        };
        Ok(Dist {
            kind: Kind::Normal(n),
            mean: truncated_mean,
            largest: mu.max(s),
            least: 0.0,
            capped_mean: truncated_mean,
        })
    }

    /// `base` plus a lognormal term, such that the whole has the given
    /// median and 99th percentile.
    pub fn lognormal_quantiles(
        base: Duration,
        median: Duration,
        p99: Duration,
    ) -> Result<Dist, String> {
        if median <= base {
            return Err(format!("median ({median}) must be above base ({base})"));
        }
        if p99 <= median {
            return Err(format!("p99 ({p99}) must be above the median ({median})"));
        }
        let (m, p) = (ns(median) - ns(base), ns(p99) - ns(base));
        let mut d = Self::lognormal_ns(ns(base), m.ln(), (p.ln() - m.ln()) / Z99)?;
        d.largest = ns(p99);
        Ok(d)
    }

    /// Lognormal whose logarithm, in ln(milliseconds), has mean `mu` and
    /// standard deviation `sigma`.
    pub fn lognormal_params(mu: f64, sigma: f64) -> Result<Dist, String> {
        if !mu.is_finite() {
            return Err(format!("mu must be a finite number, got {mu}"));
        }
        if !(sigma.is_finite() && sigma >= 0.0) {
            return Err(format!("sigma must be 0 or more, got {sigma}"));
        }
        Self::lognormal_ns(0.0, mu + NS_PER_MS.ln(), sigma)
    }

    fn lognormal_ns(base: f64, mu: f64, sigma: f64) -> Result<Dist, String> {
        let ln = LogNormal::new(mu, sigma).map_err(|e| e.to_string())?;
        Ok(Dist {
            kind: Kind::LogNormal { base, ln },
            mean: base + (mu + sigma * sigma / 2.0).exp(),
            largest: base + mu.exp(),
            least: base,
            capped_mean: base + (mu + sigma * sigma / 2.0).exp(),
        })
    }

    /// `base` plus an exponential term with mean `extra_mean`.
    pub fn shifted_exponential(base: Duration, extra_mean: Duration) -> Result<Dist, String> {
        let m = positive("mean", ns(extra_mean))?;
        let exp = Exp::new(1.0 / m).map_err(|e| e.to_string())?;
        Ok(Dist {
            kind: Kind::Exponential {
                base: ns(base),
                exp,
            },
            mean: ns(base) + m,
            largest: ns(base) + m,
            least: ns(base),
            capped_mean: ns(base) + m,
        })
    }

    /// Pareto with scale (minimum) `scale` and shape `alpha`.
    pub fn pareto(scale: Duration, shape: f64) -> Result<Dist, String> {
        let scale = positive("scale", ns(scale))?;
        let shape = positive("shape", shape)?;
        let p = Pareto::new(scale, shape).map_err(|e| e.to_string())?;
        let mean = if shape > 1.0 {
            scale * shape / (shape - 1.0)
        } else {
            f64::INFINITY
        };
        // E[min(X, cap)] = scale + integral from scale to cap of (scale/x)^shape.
        let cap = MAX_SAMPLE.as_nanos() as f64;
        let capped_mean = if (shape - 1.0).abs() < 1e-12 {
            scale + scale * (cap / scale).ln()
        } else {
            scale
                + scale.powf(shape) * (cap.powf(1.0 - shape) - scale.powf(1.0 - shape))
                    / (1.0 - shape)
        };
        Ok(Dist {
            kind: Kind::Pareto(p),
            mean,
            largest: scale,
            least: scale,
            capped_mean: capped_mean.min(mean),
        })
    }

    /// Weibull with scale `scale` and shape `shape`.
    pub fn weibull(scale: Duration, shape: f64) -> Result<Dist, String> {
        let scale = positive("scale", ns(scale))?;
        let shape = positive("shape", shape)?;
        let w = Weibull::new(scale, shape).map_err(|e| e.to_string())?;
        Ok(Dist {
            kind: Kind::Weibull(w),
            mean: scale * ln_gamma(1.0 + 1.0 / shape).exp(),
            largest: scale,
            least: 0.0,
            capped_mean: scale * ln_gamma(1.0 + 1.0 / shape).exp(),
        })
    }

    /// Quantile table of `(percentile, value)` pairs, percentiles from 0 to
    /// 100 increasing, values non-decreasing; linear in between.
    pub fn empirical(points: &[(f64, Duration)]) -> Result<Dist, String> {
        if points.len() < 2 {
            return Err(
                "an empirical table needs at least two points, e.g. [[0, 30ms], [100, 80ms]]"
                    .into(),
            );
        }
        for w in points.windows(2) {
            if w[1].0.partial_cmp(&w[0].0) != Some(std::cmp::Ordering::Greater) {
                return Err(format!(
                    "percentiles must increase: {} then {}",
                    w[0].0, w[1].0
                ));
            }
            if w[1].1 < w[0].1 {
                return Err(format!(
                    "values must not decrease: p{} = {} but p{} = {}",
                    w[0].0, w[0].1, w[1].0, w[1].1
                ));
            }
        }
        let (first, last) = (points[0].0, points[points.len() - 1].0);
        if first != 0.0 || last != 100.0 {
            return Err(format!(
                "the table must run from percentile 0 to 100, got {first} to {last}"
            ));
        }
        let table: Box<[(f64, f64)]> = points.iter().map(|&(p, v)| (p / 100.0, ns(v))).collect();
        let mean = table
            .windows(2)
            .map(|w| (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0)
            .sum();
        let (least, largest) = (table[0].1, table[table.len() - 1].1);
        Ok(Dist {
            kind: Kind::Empirical(table),
            mean,
            largest,
            least,
            capped_mean: mean,
        })
    }

    /// Exponential with mean `mean_ns` nanoseconds, not rounded to a whole
    /// nanosecond: Poisson gaps at rates up to 10^8 per second keep their
    /// rate exactly (only each sample is rounded).
    pub fn exponential_nanos(mean_ns: f64) -> Result<Dist, String> {
        let m = positive("mean", mean_ns)?;
        let exp = Exp::new(1.0 / m).map_err(|e| e.to_string())?;
        Ok(Dist {
            kind: Kind::Exponential { base: 0.0, exp },
            mean: m,
            largest: m,
            least: 0.0,
            capped_mean: m,
        })
    }

    /// The mean in nanoseconds (infinite for a Pareto with shape <= 1).
    pub fn mean_nanos(&self) -> f64 {
        self.mean
    }

    /// The mean of samples as drawn, capped at [`MAX_SAMPLE`]: the mean,
    /// or for a law with an infinite mean, the finite mean of its capped
    /// samples. For cost estimates.
    pub fn capped_mean_nanos(&self) -> f64 {
        self.capped_mean
    }

    /// The smallest value a sample can take, in nanoseconds: the floor of
    /// any path this delay is part of.
    pub fn least_nanos(&self) -> f64 {
        self.least
    }

    /// The largest duration among the parameters, in nanoseconds.
    pub fn largest_parameter_nanos(&self) -> f64 {
        self.largest
    }

    /// True for a law whose mean is infinite (a Pareto with shape <= 1):
    /// sample means never settle, and samples reach [`MAX_SAMPLE`].
    pub fn has_infinite_mean(&self) -> bool {
        self.mean.is_infinite()
    }

    /// One draw. The laws network and service delays mostly use
    /// (constant, lognormal, exponential) are drawn in line at the caller;
    /// the others through one call.
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Duration {
        let x = match &self.kind {
            Kind::Constant(d) => return *d,
            // `from_zscore` of a standard normal draw is what
            // `LogNormal::sample` computes, without its call layers.
            Kind::LogNormal { base, ln } => base + ln.from_zscore(rng.sample(StandardNormal)),
            Kind::Exponential { base, exp } => base + exp.sample(rng),
            _ => self.sample_other(rng),
        };
        // Round half up; `as` saturates: NaN becomes 0, and negatives are
        // cut at 0. Through i64: x86-64 converts to a signed integer in one
        // instruction, to an unsigned one in a branchy sequence, and every
        // sample is below MAX_SAMPLE, far inside i64. (`f64::round` is a
        // libm call on baseline x86-64.)
        Duration::from_nanos(((x + 0.5) as i64).max(0) as u64)
    }

    /// A draw of the laws not drawn in line, in ns before rounding.
    #[inline(never)]
    fn sample_other<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match &self.kind {
            Kind::Uniform { min, width } => min + width * rng.random::<f64>(),
            Kind::Normal(n) => loop {
                let x = n.sample(rng);
                if x >= 0.0 {
                    break x;
                }
            },
            // The only law whose samples reach MAX_SAMPLE with any
            // probability once parameters and means are within the limits.
            Kind::Pareto(p) => p.sample(rng).min(MAX_SAMPLE.as_nanos() as f64),
            Kind::Weibull(w) => w.sample(rng),
            Kind::Empirical(points) => interpolate(points, rng.random::<f64>()),
            Kind::Constant(d) => d.as_nanos() as f64,
            Kind::LogNormal { base, ln } => base + ln.from_zscore(rng.sample(StandardNormal)),
            Kind::Exponential { base, exp } => base + exp.sample(rng),
        }
    }
}

fn std_normal_cdf(x: f64) -> f64 {
    0.5 * (1.0 + erf(x / std::f64::consts::SQRT_2))
}

fn erf(x: f64) -> f64 {
    // Abramowitz and Stegun 7.1.26, |error| < 1.5e-7: ample for a load check.
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let y = 1.0
        - (((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736) * t
            + 0.254_829_592)
            * t
            * (-x * x).exp();
    y.copysign(x)
}

#[inline]
fn interpolate(points: &[(f64, f64)], u: f64) -> f64 {
    let i = points
        .partition_point(|&(p, _)| p <= u)
        .clamp(1, points.len() - 1);
    let ((p0, v0), (p1, v1)) = (points[i - 1], points[i]);
    v0 + (v1 - v0) * (u - p0) / (p1 - p0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;

    fn ms(x: u64) -> Duration {
        Duration::from_millis(x)
    }

    fn sample_mean(d: &Dist, n: usize) -> f64 {
        let mut rng = stream(7, 0, "dist-test");
        (0..n)
            .map(|_| d.sample(&mut rng).as_nanos() as f64)
            .sum::<f64>()
            / n as f64
    }

    #[test]
    fn constant_is_exact() {
        let d = Dist::constant(ms(38));
        let mut rng = stream(1, 0, "c");
        assert!((0..100).all(|_| d.sample(&mut rng) == ms(38)));
    }

    #[test]
    fn sample_means_match_parameter_means() {
        // 200k draws: the relative standard error of each mean is below 0.5 %
        // for these shapes, so 2 % is over four standard errors.
        let cases = [
            Dist::uniform(ms(30), ms(40)).unwrap(),
            Dist::normal(ms(40), ms(5)).unwrap(),
            Dist::lognormal_quantiles(ms(30), ms(35), ms(60)).unwrap(),
            Dist::shifted_exponential(ms(33), ms(2)).unwrap(),
            Dist::pareto(ms(1), 3.5).unwrap(),
            Dist::weibull(ms(5), 1.5).unwrap(),
            Dist::empirical(&[(0.0, ms(30)), (50.0, ms(35)), (100.0, ms(80))]).unwrap(),
        ];
        for d in &cases {
            let m = sample_mean(d, 200_000);
            let rel = (m - d.mean_nanos()).abs() / d.mean_nanos();
            assert!(
                rel < 0.02,
                "{d:?}: sample mean {m}, formula {}",
                d.mean_nanos()
            );
        }
    }

    #[test]
    fn lognormal_quantiles_hit_median_and_p99() {
        let d = Dist::lognormal_quantiles(ms(10), ms(35), ms(60)).unwrap();
        let mut rng = stream(3, 0, "q");
        let mut xs: Vec<u64> = (0..100_000)
            .map(|_| d.sample(&mut rng).as_nanos())
            .collect();
        xs.sort_unstable();
        let (p50, p99) = (xs[50_000] as f64 / 1e6, xs[99_000] as f64 / 1e6);
        assert!((p50 - 35.0).abs() < 0.5, "p50 {p50}");
        assert!((p99 - 60.0).abs() < 2.0, "p99 {p99}");
    }

    #[test]
    fn impossible_parameters_are_refused() {
        assert!(Dist::uniform(ms(5), ms(4)).is_err());
        assert!(Dist::normal(ms(0), ms(4)).is_err());
        assert!(Dist::lognormal_quantiles(ms(0), ms(35), ms(30)).is_err());
        assert!(Dist::lognormal_quantiles(ms(40), ms(35), ms(60)).is_err());
        assert!(Dist::lognormal_params(1.0, -0.5).is_err());
        assert!(Dist::shifted_exponential(ms(1), ms(0)).is_err());
        assert!(Dist::pareto(ms(1), 0.0).is_err());
        assert!(Dist::weibull(ms(0), 1.0).is_err());
        assert!(Dist::empirical(&[]).is_err());
        assert!(Dist::empirical(&[(0.0, ms(5)), (100.0, ms(4))]).is_err());
        assert!(Dist::empirical(&[(10.0, ms(5)), (100.0, ms(6))]).is_err());
    }
}

import Foundation
import LoupeTensor

/// The distributions the references draw from, on Loupe's seeded generator.
extension SeededGenerator {
    /// Uniform on [low, high).
    @inline(__always)
    mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * uniform() }

    /// Uniform integer in [low, high) (NumPy `randint` bounds).
    @inline(__always)
    mutating func integer(_ low: Int, _ high: Int) -> Int {
        low + Int(uniform() * Double(high - low))
    }

    /// Normal with the given mean and standard deviation.
    @inline(__always)
    mutating func normal(mean: Double, sd: Double) -> Double { mean + sd * normal() }

    /// Poisson(lambda): multiplication method below 10, Hörmann's PTRS rejection above (as NumPy).
    mutating func poisson(_ lambda: Double) -> Double {
        if lambda <= 0 { return 0 }
        if lambda < 10 {
            let limit = exp(-lambda)
            var k = 0.0
            var product = uniform()
            while product > limit {
                k += 1
                product *= uniform()
            }
            return k
        }
        let slam = lambda.squareRoot(), loglam = log(lambda)
        let b = 0.931 + 2.53 * slam
        let a = -0.059 + 0.02483 * b
        let invAlpha = 1.1239 + 1.1328 / (b - 3.4)
        let vr = 0.9277 - 3.6224 / (b - 2)
        while true {
            let u = uniform() - 0.5
            let v = uniform()
            let us = 0.5 - abs(u)
            let k = ((2 * a / us + b) * u + lambda + 0.43).rounded(.down)
            if us >= 0.07 && v <= vr { return k }
            if k < 0 || (us < 0.013 && v > us) { continue }
            if log(v) + log(invAlpha) - log(a / (us * us) + b) <= -lambda + k * loglam - lgamma(k + 1) { return k }
        }
    }
}

import Foundation

/// Statistics for comparing two classifiers on the same images: McNemar's exact test and the paired
/// difference of accuracies with a 95 % interval.
///
/// Both work on the discordant pairs only: images right in run A and wrong in run B (`rightToWrong`)
/// and the reverse (`wrongToRight`); images that both runs got right or both got wrong carry no
/// information about which model is better.
public struct PairedComparison: Sendable, Equatable {
    /// Images compared (both runs scored them).
    public var count: Int
    /// Right in A, wrong in B.
    public var rightToWrong: Int
    /// Wrong in A, right in B.
    public var wrongToRight: Int
    /// Accuracy of B minus accuracy of A: (wrongToRight − rightToWrong) / count.
    public var difference: Double
    /// Lower end of the 95 % interval of `difference`.
    public var lower: Double
    /// Upper end of the 95 % interval of `difference`.
    public var upper: Double
    /// McNemar's exact two-sided p-value.
    public var pValue: Double

    /// Compares per-image correctness of run A and run B (same images, same order).
    public init(correctA: [Bool], correctB: [Bool]) {
        var rightToWrong = 0, wrongToRight = 0
        for (a, b) in zip(correctA, correctB) where a != b {
            if a { rightToWrong += 1 } else { wrongToRight += 1 }
        }
        self.init(count: min(correctA.count, correctB.count), rightToWrong: rightToWrong, wrongToRight: wrongToRight)
    }

    /// Compares from the counts of discordant pairs.
    public init(count: Int, rightToWrong: Int, wrongToRight: Int) {
        self.count = count
        self.rightToWrong = rightToWrong
        self.wrongToRight = wrongToRight
        let n = Double(max(1, count))
        difference = Double(wrongToRight - rightToWrong) / n
        let interval = Self.waldInterval(count: count, rightToWrong: rightToWrong, wrongToRight: wrongToRight)
        lower = interval.lower
        upper = interval.upper
        pValue = Self.mcnemarExact(rightToWrong, wrongToRight)
    }

    /// Whether the change is significant at level `alpha` (two-sided).
    public func significant(alpha: Double = 0.05) -> Bool { pValue < alpha }

    /// McNemar's exact test: twice the binomial(b + c, ½) probability of at most min(b, c), capped at 1.
    ///
    /// Equals statsmodels `mcnemar([[·, b], [c, ·]], exact=True).pvalue` and SciPy
    /// `binomtest(min(b, c), b + c, 0.5).pvalue`. 1 when there are no discordant pairs.
    public static func mcnemarExact(_ b: Int, _ c: Int) -> Double {
        let n = b + c
        guard n > 0, b >= 0, c >= 0 else { return 1 }
        let k = min(b, c)
        let logHalf = Double(n) * Foundation.log(0.5)
        var tail = 0.0
        for i in 0...k { tail += Foundation.exp(logBinomial(n, i) + logHalf) }
        return min(1, 2 * tail)
    }

    /// The 95 % Wald interval of a paired difference of proportions.
    ///
    /// Variance ((b + c) − (c − b)² / n) / n² (Agresti, *Categorical Data Analysis*, §10.1); z = 1.959964.
    public static func waldInterval(count: Int, rightToWrong b: Int, wrongToRight c: Int, z: Double = 1.959_963_984_540_054)
        -> (lower: Double, upper: Double) {
        guard count > 0 else { return (0, 0) }
        let n = Double(count)
        let d = Double(c - b) / n
        let variance = max(0, (Double(b + c) - Double((c - b) * (c - b)) / n) / (n * n))
        let half = z * variance.squareRoot()
        return (d - half, d + half)
    }

    /// log C(n, k) through lgamma.
    static func logBinomial(_ n: Int, _ k: Int) -> Double {
        Foundation.lgamma(Double(n + 1)) - Foundation.lgamma(Double(k + 1)) - Foundation.lgamma(Double(n - k + 1))
    }
}

/// Holm's step-down correction of several p-values (family-wise error).
public enum HolmCorrection {
    /// Adjusted p-values in the input order; equals statsmodels `multipletests(p, method="holm")[1]`.
    ///
    /// Sorted ascending, the i-th (0-based) of m gets (m − i)·p, made non-decreasing by a running maximum
    /// and capped at 1.
    public static func adjust(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] || (pValues[$0] == pValues[$1] && $0 < $1) }
        var adjusted = [Double](repeating: 1, count: m)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }

    /// Which hypotheses are rejected at family-wise level `alpha`.
    public static func rejected(_ pValues: [Double], alpha: Double = 0.05) -> [Bool] {
        adjust(pValues).map { $0 < alpha }
    }
}

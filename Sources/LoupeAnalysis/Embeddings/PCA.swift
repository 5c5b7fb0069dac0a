import CBLAS
import LoupeTensor

/// Principal component analysis as scikit-learn 1.9.1 `PCA` (docs/embeddings.md#pca).
public enum PCA {
    /// How the decomposition is computed.
    public enum Solver: Sendable, Equatable {
        /// sklearn's `"auto"` rule: randomised when `max(N, D) > 500`, the data are not tall
        /// (`N < 10·D` or `D > 1000`) and `components < 0.8·min(N, D)`; exact otherwise.
        case auto
        /// Exact SVD of the centred data (LAPACK `sgesdd`).
        case full
        /// Randomised SVD (Halko et al.; sklearn `randomized_svd`): 10 oversamples, power iterations
        /// (`nil` = sklearn's auto: 7 when `components < 0.1·min(N, D)`, else 4), seeded Gaussian sketch.
        case randomized(seed: UInt64, powerIterations: Int?)
    }

    /// A fitted decomposition.
    public struct Result: Sendable {
        /// Number of components kept.
        public let componentCount: Int
        /// Features per point.
        public let featureCount: Int
        /// Column means subtracted before the decomposition.
        public let mean: [Float]
        /// Principal axes, `componentCount x featureCount` row-major, sign-normalised (largest |loading| positive).
        public let components: [Float]
        /// Projections of the centred points, `N x componentCount` row-major.
        public let scores: [Float]
        /// Variance along each component, `S² / (N − 1)`.
        public let explainedVariance: [Double]
        /// Fraction of the total variance along each component.
        public let explainedVarianceRatio: [Double]
        /// Whether the randomised solver was used.
        public let usedRandomized: Bool
    }

    /// Fits `components` principal components (default `min(N, D)`) of the points.
    public static func fit(_ points: EmbeddingPoints, components: Int? = nil, solver: Solver = .auto) throws -> Result {
        let n = points.count, d = points.dimension
        let maxRank = min(n, d)
        let k = components ?? maxRank
        guard k >= 1, k <= maxRank else {
            throw LoupeError(.invalidConfig, location: "components", "must be in 1...\(maxRank) for \(n) x \(d) data, got \(k)")
        }
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for c in 0..<d { mean[c] += Double(points.values[i * d + c]) } }
        for c in 0..<d { mean[c] /= Double(n) }
        var centred = [Float](repeating: 0, count: n * d)
        var totalSquares = 0.0
        for i in 0..<n {
            for c in 0..<d {
                let v = Double(points.values[i * d + c]) - mean[c]
                centred[i * d + c] = Float(v)
                totalSquares += v * v
            }
        }
        let randomized: (UInt64, Int?)?
        switch solver {
        case .full: randomized = nil
        case let .randomized(seed, iterations): randomized = (seed, iterations)
        case .auto:
            let tall = d <= 1000 && n >= 10 * d
            randomized = (!tall && max(n, d) > 500 && Double(k) < 0.8 * Double(maxRank)) ? (0, nil) : nil
        }
        var axes: [Float]
        var singular: [Float]
        if let (seed, iterations) = randomized {
            (axes, singular) = try randomizedAxes(centred, n: n, d: d, k: k, seed: seed,
                                                  iterations: iterations ?? (Double(k) < 0.1 * Double(maxRank) ? 7 : 4))
        } else {
            var copy = centred
            (axes, singular) = try svdAxes(&copy, rows: n, columns: d)
        }
        axes = Array(axes[0..<(k * d)])
        for q in 0..<k {
            var best = 0
            for c in 0..<d where abs(axes[q * d + c]) > abs(axes[q * d + best]) { best = c }
            if axes[q * d + best] < 0 { for c in 0..<d { axes[q * d + c] = -axes[q * d + c] } }
        }
        var scores = [Float](repeating: 0, count: n * k)
        sgemm(transposeB: true, m: n, n: k, k: d, a: centred, lda: d, b: axes, ldb: d, c: &scores, ldc: k)
        let denominator = Double(max(n - 1, 1))
        let variance = (0..<k).map { Double(singular[$0]) * Double(singular[$0]) / denominator }
        let total = totalSquares / denominator
        return Result(componentCount: k, featureCount: d, mean: mean.map { Float($0) }, components: axes, scores: scores,
                      explainedVariance: variance, explainedVarianceRatio: variance.map { total > 0 ? $0 / total : 0 },
                      usedRandomized: randomized != nil)
    }

    /// Right singular vectors (rows, `min(rows, columns) x columns`) and singular values of a
    /// row-major matrix, through LAPACK `sgesdd` (the matrix is overwritten).
    static func svdAxes(_ a: inout [Float], rows: Int, columns: Int) throws -> ([Float], [Float]) {
        // Row-major rows x columns is column-major columns x rows: its left vectors are our axes.
        var m = Int32(columns), nn = Int32(rows)
        let r = Int(min(m, nn))
        var lda = m, ldu = m, ldvt = Int32(r)
        var s = [Float](repeating: 0, count: r)
        var u = [Float](repeating: 0, count: columns * r)
        var vt = [Float](repeating: 0, count: r * rows)
        var iwork = [Int32](repeating: 0, count: 8 * r)
        var info: Int32 = 0
        var lwork: Int32 = -1
        var query: Float = 0
        var job = Int8(UInt8(ascii: "S"))
        sgesdd_(&job, &m, &nn, &a, &lda, &s, &u, &ldu, &vt, &ldvt, &query, &lwork, &iwork, &info, 1)
        guard info == 0 else { throw LoupeError(.computation, location: "PCA", "LAPACK sgesdd workspace query failed (info \(info))") }
        lwork = Int32(query) + 1
        var work = [Float](repeating: 0, count: Int(lwork))
        sgesdd_(&job, &m, &nn, &a, &lda, &s, &u, &ldu, &vt, &ldvt, &work, &lwork, &iwork, &info, 1)
        guard info == 0 else { throw LoupeError(.computation, location: "PCA", "LAPACK sgesdd did not converge (info \(info))") }
        return (u, s)
    }

    /// Top-k axes and singular values by randomised SVD with orthonormalised power iterations.
    static func randomizedAxes(_ x: [Float], n: Int, d: Int, k: Int, seed: UInt64, iterations: Int) throws -> ([Float], [Float]) {
        let l = min(k + 10, min(n, d))
        var generator = SeededGenerator(seed: seed)
        var sketch = (0..<(l * d)).map { _ in Float(generator.normal()) }  // l x d (rows = test vectors)
        var q = [Float](repeating: 0, count: l * n)                      // l x n (rows = basis of range)
        // q = (x · sketchᵀ)ᵀ, then alternate through xᵀ and x with re-orthonormalisation.
        sgemm(transposeB: true, m: l, n: n, k: d, a: sketch, lda: d, b: x, ldb: d, c: &q, ldc: n)
        orthonormaliseRows(&q, rows: l, length: n)
        for _ in 0..<iterations {
            sgemm(m: l, n: d, k: n, a: q, lda: n, b: x, ldb: d, c: &sketch, ldc: d)
            orthonormaliseRows(&sketch, rows: l, length: d)
            sgemm(transposeB: true, m: l, n: n, k: d, a: sketch, lda: d, b: x, ldb: d, c: &q, ldc: n)
            orthonormaliseRows(&q, rows: l, length: n)
        }
        var b = [Float](repeating: 0, count: l * d)  // B = Qᵀ x, l x d
        sgemm(m: l, n: d, k: n, a: q, lda: n, b: x, ldb: d, c: &b, ldc: d)
        return try svdAxes(&b, rows: l, columns: d)
    }

    /// Modified Gram–Schmidt (twice, in Float64) on the rows; rows that vanish become zero.
    static func orthonormaliseRows(_ m: inout [Float], rows: Int, length: Int) {
        var v = m.map { Double($0) }
        for _ in 0..<2 {
            for r in 0..<rows {
                for p in 0..<r {
                    var dot = 0.0
                    for c in 0..<length { dot += v[r * length + c] * v[p * length + c] }
                    for c in 0..<length { v[r * length + c] -= dot * v[p * length + c] }
                }
                var norm = 0.0
                for c in 0..<length { norm += v[r * length + c] * v[r * length + c] }
                let scale = norm > 1e-24 ? 1 / norm.squareRoot() : 0
                for c in 0..<length { v[r * length + c] *= scale }
            }
        }
        m = v.map { Float($0) }
    }
}

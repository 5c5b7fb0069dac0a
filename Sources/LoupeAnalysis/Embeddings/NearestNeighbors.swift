import LoupeTensor

/// Exact k-nearest-neighbour search (Euclidean, self excluded) over all pairs, in BLAS blocks.
public enum NearestNeighbors {
    /// The k nearest neighbours of every point: `indices[i*k + r]` is the r-th nearest of point i
    /// (ascending distance; equal distances keep the lower index first), `squaredDistances` alike.
    public struct Graph: Sendable {
        public let k: Int
        public let indices: [Int32]
        public let squaredDistances: [Float]
    }

    /// Finds the k nearest neighbours of every point (k < count).
    ///
    /// Low-dimensional points (≤ 8 features) use direct differences; others use
    /// `|a|² + |b|² − 2a·b` on mean-centred coordinates with `sgemm` row blocks.
    public static func search(_ points: EmbeddingPoints, k: Int) throws -> Graph {
        let n = points.count, d = points.dimension
        guard k >= 1, k < n else {
            throw LoupeError(.invalidConfig, location: "neighbours", "need 1 <= k < number of points (\(n)), got k = \(k)")
        }
        var centred = [Float](repeating: 0, count: n * d)
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for c in 0..<d { mean[c] += Double(points.values[i * d + c]) } }
        for c in 0..<d { mean[c] /= Double(n) }
        for i in 0..<n { for c in 0..<d { centred[i * d + c] = Float(Double(points.values[i * d + c]) - mean[c]) } }
        var norms = [Float](repeating: 0, count: n)
        for i in 0..<n {
            var s: Float = 0
            for c in 0..<d { s += centred[i * d + c] * centred[i * d + c] }
            norms[i] = s
        }
        var indices = [Int32](repeating: 0, count: n * k)
        var distances = [Float](repeating: 0, count: n * k)
        let block = 64
        let blocks = (n + block - 1) / block
        centred.withUnsafeBufferPointer { xs in
            norms.withUnsafeBufferPointer { ns in
                indices.withUnsafeMutableBufferPointer { ib in
                    distances.withUnsafeMutableBufferPointer { db in
                        let x = UncheckedBox(xs), nb = UncheckedBox(ns)
                        let ip = SendablePointer(ib.baseAddress!), dp = SendablePointer(db.baseAddress!)
                        // One product per worker (each runs serially inside its chunk).
                        Parallel.forEachChunk(blocks) { range in
                            var row = [Float](repeating: 0, count: block * n)
                            var topD = [Float](repeating: 0, count: k), topI = [Int32](repeating: 0, count: k)
                            for b in range {
                                let start = b * block, rows = min(block, n - start)
                                row.withUnsafeMutableBufferPointer { rb in
                                    let r = rb.baseAddress!
                                    if d <= 8 {
                                        for a in 0..<rows {
                                            let pa = x.value.baseAddress! + (start + a) * d
                                            for j in 0..<n {
                                                let pb = x.value.baseAddress! + j * d
                                                var s: Float = 0
                                                for c in 0..<d { let t = pa[c] - pb[c]; s += t * t }
                                                r[a * n + j] = s
                                            }
                                        }
                                    } else {
                                        sgemm(transposeB: true, m: rows, n: n, k: d, alpha: -2, a: x.value.baseAddress! + start * d,
                                              lda: d, b: x.value.baseAddress!, ldb: d, c: r, ldc: n)
                                        for a in 0..<rows {
                                            let na = nb.value[start + a]
                                            for j in 0..<n { r[a * n + j] = max(0, r[a * n + j] + na + nb.value[j]) }
                                        }
                                    }
                                    for a in 0..<rows {
                                        let i = start + a
                                        selectSmallest(r + a * n, n: n, skip: i, k: k, topD: &topD, topI: &topI)
                                        for q in 0..<k { ip.base[i * k + q] = topI[q]; dp.base[i * k + q] = topD[q] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Graph(k: k, indices: indices, squaredDistances: distances)
    }

    /// Keeps the k smallest of `row` (index `skip` excluded) in ascending order by insertion.
    @inline(__always)
    static func selectSmallest(_ row: UnsafePointer<Float>, n: Int, skip: Int, k: Int, topD: inout [Float], topI: inout [Int32]) {
        var filled = 0
        for j in 0..<n where j != skip {
            let v = row[j]
            if filled == k && v >= topD[k - 1] { continue }
            var pos = filled == k ? k - 1 : filled
            if filled < k { filled += 1 }
            while pos > 0 && topD[pos - 1] > v {
                topD[pos] = topD[pos - 1]
                topI[pos] = topI[pos - 1]
                pos -= 1
            }
            topD[pos] = v
            topI[pos] = Int32(j)
        }
    }
}

import CBLAS
import LoupeTensor

/// Quality measures of a low-dimensional map: trustworthiness and k-NN class accuracy.
public enum EmbeddingQuality {
    /// Trustworthiness T(k) (Venna & Kaski 2001; sklearn `manifold.trustworthiness`; docs/embeddings.md#trustworthiness).
    ///
    /// `T(k) = 1 − 2/(N k (2N − 3k − 1)) · Σ_i Σ_{j ∈ N_i^k} max(0, r(i,j) − k)` with `N_i^k` the k nearest
    /// neighbours of i in the embedding and `r(i,j) = 1 + #{l ≠ i : d(i,l) < d(i,j)}` the tie-robust
    /// input-space rank (input distances in Float64 through `dgemm`). Requires `k < N/2`.
    public static func trustworthiness(input: EmbeddingPoints, embedding: EmbeddingPoints, k: Int = 10) throws -> Double {
        try trustworthiness(input: input, embeddings: [embedding], k: k)[0]
    }

    /// Trustworthiness T(k) of several embeddings of the same input, sharing one pass over the input distances.
    public static func trustworthiness(input: EmbeddingPoints, embeddings: [EmbeddingPoints], k: Int = 10) throws -> [Double] {
        let n = input.count
        for embedding in embeddings where embedding.count != n {
            throw LoupeError(.invalidInput, location: "embedding", "has \(embedding.count) points, input has \(n)")
        }
        guard k >= 1, 2 * k < n else {
            throw LoupeError(.invalidConfig, location: "trustworthiness", "needs 1 <= k < N/2, got k = \(k) for N = \(n)")
        }
        let maps = embeddings.count
        guard maps > 0 else { return [] }
        let graphs = try embeddings.map { try NearestNeighbors.search($0, k: k) }
        let d = input.dimension
        var x = [Double](repeating: 0, count: n * d)
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for c in 0..<d { mean[c] += Double(input.values[i * d + c]) } }
        for c in 0..<d { mean[c] /= Double(n) }
        for i in 0..<n { for c in 0..<d { x[i * d + c] = Double(input.values[i * d + c]) - mean[c] } }
        var norms = [Double](repeating: 0, count: n)
        for i in 0..<n { for c in 0..<d { norms[i] += x[i * d + c] * x[i * d + c] } }
        let block = 64
        let blocks = (n + block - 1) / block
        var penalties = [Double](repeating: 0, count: blocks * maps)  // [block][map]
        x.withUnsafeBufferPointer { xs in
            norms.withUnsafeBufferPointer { ns in
                penalties.withUnsafeMutableBufferPointer { pb in
                    let xb = UncheckedBox(xs), nb = UncheckedBox(ns), pp = SendablePointer(pb.baseAddress!)
                    let neighbours = UncheckedBox(graphs)
                    BLASThreading.pinToOneThread()
                    Parallel.forEachChunk(blocks) { range in
                        var row = [Double](repeating: 0, count: block * n)
                        for b in range {
                            let start = b * block, rows = min(block, n - start)
                            var penalty = [Double](repeating: 0, count: maps)
                            row.withUnsafeMutableBufferPointer { rb in
                                let r = rb.baseAddress!
                                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(n), Int32(d), -2,
                                            xb.value.baseAddress! + start * d, Int32(d), xb.value.baseAddress!, Int32(d), 0, r, Int32(n))
                                for a in 0..<rows {
                                    let i = start + a
                                    let line = r + a * n
                                    for j in 0..<n { line[j] += nb.value[i] + nb.value[j] }
                                    line[i] = -Double.infinity  // never counted as closer
                                    for m in 0..<maps {
                                        for q in 0..<k {
                                            let j = Int(neighbours.value[m].indices[i * k + q])
                                            let threshold = line[j]
                                            var closer = 0
                                            for l in 0..<n where line[l] < threshold { closer += 1 }
                                            let rank = closer  // self (−∞) is counted once: rank = 1 + #others closer
                                            penalty[m] += Double(max(0, rank - k))
                                        }
                                    }
                                }
                            }
                            for m in 0..<maps { pp.base[b * maps + m] = penalty[m] }
                        }
                    }
                }
            }
        }
        let nn = Double(n), kk = Double(k)
        return (0..<maps).map { m in
            let total = (0..<blocks).reduce(0.0) { $0 + penalties[$1 * maps + m] }
            return 1 - 2 / (nn * kk * (2 * nn - 3 * kk - 1)) * total
        }
    }

    /// Leave-one-out k-NN class accuracy: each point is classified by a majority vote of its k nearest
    /// other points (uniform weights; a tied vote goes to the smallest label, as sklearn's
    /// `KNeighborsClassifier` does), and the fraction classified as its own label is returned.
    public static func knnAccuracy(_ points: EmbeddingPoints, labels: [Int], k: Int = 10) throws -> Double {
        guard labels.count == points.count else {
            throw LoupeError(.invalidInput, location: "labels", "has \(labels.count) entries for \(points.count) points")
        }
        guard let low = labels.min(), low >= 0, let high = labels.max(), high < 1 << 20 else {
            throw LoupeError(.invalidInput, location: "labels", "must be class indices in 0..<2^20")
        }
        let graph = try NearestNeighbors.search(points, k: min(k, points.count - 1))
        var votes = [Int](repeating: 0, count: high + 1)
        var correct = 0
        for i in 0..<points.count {
            for c in votes.indices { votes[c] = 0 }
            for q in 0..<graph.k { votes[labels[Int(graph.indices[i * graph.k + q])]] += 1 }
            var best = 0
            for c in votes.indices where votes[c] > votes[best] { best = c }
            if best == labels[i] { correct += 1 }
        }
        return Double(correct) / Double(points.count)
    }
}

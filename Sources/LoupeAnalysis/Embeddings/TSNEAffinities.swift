import Foundation
import LoupeTensor

/// Sparse symmetric input affinities P of t-SNE (compressed rows; docs/embeddings.md#input-affinities).
public struct TSNEAffinities: Sendable {
    /// Number of points.
    public let count: Int
    /// Row starts into `columns`/`values`, `count + 1` entries.
    public let rowStarts: [Int]
    /// Column index of each stored entry (ascending within a row).
    public let columns: [Int32]
    /// `p_ij`, summing to 1 over all stored entries.
    public let values: [Double]
    /// Calibrated precision β_i of each point's Gaussian `exp(−β_i d²)`.
    public let betas: [Double]
    /// Entropy (natural log) of each conditional distribution after calibration.
    public let entropies: [Double]

    /// Calibrates conditional Gaussians over the exact k = ⌊3·perplexity⌋ nearest neighbours to
    /// entropy `ln(perplexity)` (binary search on β from 1, tolerance 1e-8, ≤ 200 steps, as openTSNE),
    /// then symmetrises `P = (P_cond + P_condᵀ) / 2N`.
    public static func compute(_ points: EmbeddingPoints, perplexity: Double) throws -> TSNEAffinities {
        let n = points.count
        let k = Int((3 * perplexity).rounded(.down))
        guard perplexity > 0, k >= 1, k < n else {
            throw LoupeError(.invalidConfig, location: "perplexity",
                             "must be positive and below N/3 = \(String(format: "%.4g", Double(n) / 3)) for \(n) points, got \(perplexity)")
        }
        let graph = try NearestNeighbors.search(points, k: k)
        return calibrate(graph, count: n, perplexity: perplexity)
    }

    /// Calibrates and symmetrises affinities on a given neighbour graph.
    public static func calibrate(_ graph: NearestNeighbors.Graph, count n: Int, perplexity: Double) -> TSNEAffinities {
        let k = graph.k
        var conditional = [Double](repeating: 0, count: n * k)
        var betas = [Double](repeating: 1, count: n)
        var entropies = [Double](repeating: 0, count: n)
        let target = log(perplexity)
        conditional.withUnsafeMutableBufferPointer { cb in
            betas.withUnsafeMutableBufferPointer { bb in
                entropies.withUnsafeMutableBufferPointer { eb in
                    let cp = SendablePointer(cb.baseAddress!), bp = SendablePointer(bb.baseAddress!)
                    let ep = SendablePointer(eb.baseAddress!)
                    let g = UncheckedBox(graph)
                    Parallel.forEachChunk(n, grain: 256) { range in
                        var shifted = [Double](repeating: 0, count: k)
                        for i in range {
                            let base = i * k
                            let d0 = Double(g.value.squaredDistances[base])
                            for q in 0..<k { shifted[q] = Double(g.value.squaredDistances[base + q]) - d0 }
                            var beta = 1.0, low = -Double.infinity, high = Double.infinity
                            var entropy = 0.0
                            for _ in 0..<200 {
                                var sum = 0.0, weighted = 0.0
                                for q in 0..<k {
                                    let e = exp(-beta * shifted[q])
                                    sum += e
                                    weighted += e * shifted[q]
                                }
                                entropy = log(sum) + beta * weighted / sum
                                if abs(entropy - target) <= 1e-8 { break }
                                if entropy > target {
                                    low = beta
                                    beta = high.isInfinite ? beta * 2 : (beta + high) / 2
                                } else {
                                    high = beta
                                    beta = low.isInfinite ? beta / 2 : (beta + low) / 2
                                }
                            }
                            var sum = 0.0
                            for q in 0..<k { let e = exp(-beta * shifted[q]); cp.base[base + q] = e; sum += e }
                            for q in 0..<k { cp.base[base + q] /= sum }
                            bp.base[i] = beta
                            ep.base[i] = entropy
                        }
                    }
                }
            }
        }
        // Symmetrise: every (i, j, p) contributes to rows i and j; merge duplicates per row.
        var rowCounts = [Int](repeating: k, count: n)
        for e in 0..<(n * k) { rowCounts[Int(graph.indices[e])] += 1 }
        var starts = [Int](repeating: 0, count: n + 1)
        for i in 0..<n { starts[i + 1] = starts[i] + rowCounts[i] }
        var cols = [Int32](repeating: 0, count: starts[n])
        var vals = [Double](repeating: 0, count: starts[n])
        var fill = Array(starts[0..<n])
        for i in 0..<n {
            for q in 0..<k {
                let j = Int(graph.indices[i * k + q]), p = conditional[i * k + q]
                cols[fill[i]] = Int32(j); vals[fill[i]] = p; fill[i] += 1
                cols[fill[j]] = Int32(i); vals[fill[j]] = p; fill[j] += 1
            }
        }
        var outStarts = [Int](repeating: 0, count: n + 1)
        var outCols = [Int32](), outVals = [Double]()
        outCols.reserveCapacity(starts[n]); outVals.reserveCapacity(starts[n])
        let scale = 1 / (2 * Double(n))
        for i in 0..<n {
            let order = (starts[i]..<starts[i + 1]).sorted { cols[$0] < cols[$1] }
            var last: Int32 = -1
            for e in order {
                if cols[e] == last {
                    outVals[outVals.count - 1] += vals[e] * scale
                } else {
                    outCols.append(cols[e]); outVals.append(vals[e] * scale); last = cols[e]
                }
            }
            outStarts[i + 1] = outCols.count
        }
        let total = outVals.reduce(0, +)
        if total > 0 { for e in outVals.indices { outVals[e] /= total } }
        return TSNEAffinities(count: n, rowStarts: outStarts, columns: outCols, values: outVals, betas: betas, entropies: entropies)
    }
}

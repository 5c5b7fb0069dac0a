import Foundation
import LoupeTensor

/// t-SNE objective pieces in openTSNE's units: gradient = ∂KL/∂y / 4 (docs/embeddings.md#objective-and-gradient).
public enum TSNEGradient {
    /// How the repulsive (normalisation) term is computed.
    public enum Repulsion: Sendable, Equatable {
        /// All pairs, O(N²).
        case exact
        /// Barnes–Hut quad-tree with opening angle θ.
        case barnesHut(theta: Double)
        /// FFT-accelerated interpolation on a grid (FIt-SNE; 2-D only).
        case fftInterpolation(TSNEInterpolation)
    }

    /// Gradient (openTSNE units) of KL(exaggeration·P ‖ Q) at `y` (interleaved 2-D), written to `gradient`.
    ///
    /// Returns Z = Σ_{i≠j} (1 + ‖y_i − y_j‖²)⁻¹ (exact or Barnes–Hut) and `Σ p ln(p / w)` over the
    /// stored entries of P (unexaggerated), so KL = that + ln Z.
    /// `withObjective: false` skips the logarithms of the cross term (returned as 0) during optimisation.
    @discardableResult
    public static func evaluate(_ p: TSNEAffinities, y: [Double], exaggeration: Double = 1, repulsion: Repulsion,
                                withObjective: Bool = true, gradient: inout [Double]) -> (z: Double, crossTerm: Double) {
        evaluate(p, y: y, exaggeration: exaggeration, repulsion: repulsion, withObjective: withObjective,
                 workspace: TSNEInterpolation.Workspace(), gradient: &gradient)
    }

    /// `evaluate` reusing the interpolation buffers of earlier iterations.
    ///
    /// With `compact` (P in Float32) and `withObjective` false, the attraction runs in Float32,
    /// eight entries at a time (relative error ~1e-6, far below the repulsion's approximation error).
    @discardableResult
    static func evaluate(_ p: TSNEAffinities, y: [Double], exaggeration: Double = 1, repulsion: Repulsion,
                         withObjective: Bool = true, workspace: TSNEInterpolation.Workspace, compact: CompactAffinities? = nil,
                         gradient: inout [Double]) -> (z: Double, crossTerm: Double) {
        let n = p.count
        // The Float32 copy serves only the optimisation (no objective) and only its own P.
        let compact = withObjective ? nil : compact.flatMap { $0.count == n ? $0 : nil }
        if let compact { y.withUnsafeBufferPointer { compact.load($0) } }
        if gradient.count != 2 * n { gradient = [Double](repeating: 0, count: 2 * n) }
        // Per point: Z_i, the cross term, then the repulsive and attractive forces (two each).
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: max(6 * n, 1))
        defer { scratch.deallocate() }
        scratch.initialize(repeating: 0, count: max(6 * n, 1))
        let rowZ = SendablePointer(scratch), rowCross = scratch + n
        let repulsive = SendablePointer(scratch + 2 * n), attractive = scratch + 4 * n
        y.withUnsafeBufferPointer { yb in
            let yp = UncheckedBox(yb)
            let attraction = Attraction(p: p, y: yb, compact: compact, withObjective: withObjective,
                                        force: attractive, cross: rowCross)
            switch repulsion {
            case .exact:
                Parallel.forEachChunk(n, grain: 64) { range in
                    for i in range {
                        let xi = yp.value[2 * i], yi = yp.value[2 * i + 1]
                        var z = 0.0, fx = 0.0, fy = 0.0
                        for j in 0..<n where j != i {
                            let dx = xi - yp.value[2 * j], dy = yi - yp.value[2 * j + 1]
                            let w = 1 / (1 + dx * dx + dy * dy)
                            z += w; fx += w * w * dx; fy += w * w * dy
                        }
                        rowZ.base[i] = z; repulsive.base[2 * i] = fx; repulsive.base[2 * i + 1] = fy
                        attraction.row(i)
                    }
                }
            case let .barnesHut(theta):
                // One parallel pass: each point's attraction right after its repulsion.
                TSNEQuadTree(yb, count: n).repulsion(theta: theta, rowZ: rowZ.base, force: repulsive.base,
                                                     alongside: attraction.row)
            case let .fftInterpolation(settings):
                settings.repulsion(yb, count: n, workspace: workspace, rowZ: rowZ.base, force: repulsive.base)
                Parallel.forEachChunk(n, grain: 256) { range in
                    for i in range { attraction.row(i) }
                }
            }
        }
        let z = UnsafeBufferPointer(start: scratch, count: n).reduce(0, +)
        let inverseZ = z > 0 ? 1 / z : 0
        for e in 0..<(2 * n) { gradient[e] = exaggeration * attractive[e] - repulsive.base[e] * inverseZ }
        return (z, UnsafeBufferPointer(start: rowCross, count: n).reduce(0, +))
    }

    /// Exact KL(P ‖ Q) of the stored sparse P against the all-pairs Student-t Q.
    public static func exactKL(_ p: TSNEAffinities, y: [Double]) -> Double {
        var gradient = [Double]()
        let (z, cross) = evaluate(p, y: y, repulsion: .exact, gradient: &gradient)
        return cross + log(z)
    }
}

/// The attractive half of the gradient, one row of P at a time: `Σ_j p_ij w_ij (y_i − y_j)` into
/// `force` and, with `withObjective`, `Σ_j p_ij ln(p_ij / w_ij)` into `cross`. Rows touch disjoint
/// outputs, so workers may call `row` concurrently.
private struct Attraction: @unchecked Sendable {
    let p: TSNEAffinities
    let y: UnsafeBufferPointer<Double>
    let compact: CompactAffinities?
    let withObjective: Bool
    let force: UnsafeMutablePointer<Double>, cross: UnsafeMutablePointer<Double>

    func row(_ i: Int) {
        if let compact {
            let sums = compact.attraction(row: i)
            force[2 * i] = Double(sums.x); force[2 * i + 1] = Double(sums.y)
            return
        }
        let xi = y[2 * i], yi = y[2 * i + 1]
        var fx = 0.0, fy = 0.0, total = 0.0
        for e in p.rowStarts[i]..<p.rowStarts[i + 1] {
            let j = Int(p.columns[e]), v = p.values[e]
            let dx = xi - y[2 * j], dy = yi - y[2 * j + 1]
            let d2 = dx * dx + dy * dy
            let pw = v / (1 + d2)
            fx += pw * dx; fy += pw * dy
            if withObjective && v > 0 { total += v * log(v * (1 + d2)) }
        }
        force[2 * i] = fx; force[2 * i + 1] = fy
        cross[i] = total
    }
}

/// P in Float32 for the attraction during optimisation: each row padded to a multiple of eight
/// entries (weight 0, at the point itself), so a row is whole blocks of SIMD lanes; the positions
/// are refreshed in Float32 before each gradient (`load`).
final class CompactAffinities: @unchecked Sendable {
    typealias Lanes = SIMD8<Float>
    let count: Int
    /// Row starts (multiples of eight), `count + 1` entries.
    private let starts: UnsafeMutablePointer<Int>
    private let columns: UnsafeMutablePointer<Int32>
    private let values: UnsafeMutablePointer<Float>
    /// Interleaved positions in Float32, `2 * count` entries.
    private let positions: UnsafeMutablePointer<Float>

    init(_ p: TSNEAffinities) {
        count = p.count
        starts = .allocate(capacity: count + 1)
        var total = 0
        for i in 0..<count {
            starts[i] = total
            total += (p.rowStarts[i + 1] - p.rowStarts[i] + 7) / 8 * 8
        }
        starts[count] = total
        columns = .allocate(capacity: max(total, 1))
        values = .allocate(capacity: max(total, 1))
        for i in 0..<count {
            var slot = starts[i]
            for e in p.rowStarts[i]..<p.rowStarts[i + 1] {
                columns[slot] = p.columns[e]; values[slot] = Float(p.values[e])
                slot += 1
            }
            while slot < starts[i + 1] {
                columns[slot] = Int32(truncatingIfNeeded: i); values[slot] = 0
                slot += 1
            }
        }
        positions = .allocate(capacity: max(2 * count, 1))
    }

    deinit {
        starts.deallocate(); columns.deallocate(); values.deallocate(); positions.deallocate()
    }

    /// Copies `y` (interleaved, `2 * count` values) into the Float32 positions.
    func load(_ y: UnsafeBufferPointer<Double>) {
        for e in 0..<min(y.count, 2 * count) { positions[e] = Float(y[e]) }
    }

    /// `Σ_j p_ij w_ij (y_i − y_j)` over row `i` at the loaded positions, eight entries at a time.
    @inline(__always)
    func attraction(row i: Int) -> SIMD2<Float> {
        let c = columns, v = values, q = positions
        let px = Lanes(repeating: q[2 * i]), py = Lanes(repeating: q[2 * i + 1])
        var ax = Lanes.zero, ay = Lanes.zero
        var e = starts[i]
        let end = starts[i + 1]
        while e < end {
            let j0 = 2 * Int(c[e]), j1 = 2 * Int(c[e + 1]), j2 = 2 * Int(c[e + 2]), j3 = 2 * Int(c[e + 3])
            let j4 = 2 * Int(c[e + 4]), j5 = 2 * Int(c[e + 5]), j6 = 2 * Int(c[e + 6]), j7 = 2 * Int(c[e + 7])
            let gx = Lanes(q[j0], q[j1], q[j2], q[j3], q[j4], q[j5], q[j6], q[j7])
            let gy = Lanes(q[j0 + 1], q[j1 + 1], q[j2 + 1], q[j3 + 1], q[j4 + 1], q[j5 + 1], q[j6 + 1], q[j7 + 1])
            let pij = UnsafeRawPointer(v + e).loadUnaligned(as: Lanes.self)
            let dx = px - gx, dy = py - gy
            let pw = pij / (1 + dx * dx + dy * dy)
            ax += pw * dx; ay += pw * dy
            e += 8
        }
        return SIMD2(ax.sum(), ay.sum())
    }
}

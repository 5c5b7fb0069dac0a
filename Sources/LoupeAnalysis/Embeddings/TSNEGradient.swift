import Foundation
import LoupeTensor

/// t-SNE objective pieces in openTSNE's units: gradient = ∂KL/∂y / 4 (methods.md §8.2).
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
    /// With `values32` (P's values in Float32) and `withObjective` false, the attraction runs in Float32,
    /// eight entries at a time (relative error ~1e-6, far below the repulsion's approximation error).
    @discardableResult
    static func evaluate(_ p: TSNEAffinities, y: [Double], exaggeration: Double = 1, repulsion: Repulsion,
                         withObjective: Bool = true, workspace: TSNEInterpolation.Workspace, values32: [Float]? = nil,
                         gradient: inout [Double]) -> (z: Double, crossTerm: Double) {
        let fast = !withObjective && values32?.count == p.values.count
        let compact = fast ? values32 ?? [] : [], positions32 = fast ? y.map { Float($0) } : []
        let n = p.count
        if gradient.count != 2 * n { gradient = [Double](repeating: 0, count: 2 * n) }
        var rowZ = [Double](repeating: 0, count: n)
        var rowCross = [Double](repeating: 0, count: n)
        var repulsive = [Double](repeating: 0, count: 2 * n)
        y.withUnsafeBufferPointer { yb in
            rowZ.withUnsafeMutableBufferPointer { zb in
                repulsive.withUnsafeMutableBufferPointer { rb in
                    let yp = UncheckedBox(yb), zp = SendablePointer(zb.baseAddress!), rp = SendablePointer(rb.baseAddress!)
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
                                zp.base[i] = z; rp.base[2 * i] = fx; rp.base[2 * i + 1] = fy
                            }
                        }
                    case let .barnesHut(theta):
                        // Points in Z order: neighbours walk nearly the same cells, which then stay in cache;
                        // pieces taken one at a time, since dense regions cost more.
                        let zOrder = TSNEQuadTree.zOrder(yb, count: n)
                        let tree = UncheckedBox(TSNEQuadTree(yb, count: n, order: zOrder))
                        let order = UncheckedBox(zOrder)
                        Parallel.forEachPiece(n, pieces: max(1, n / 128)) { range in
                            let stack = UnsafeMutablePointer<Int32>.allocate(capacity: tree.value.stackCapacity)
                            defer { stack.deallocate() }
                            var force = (0.0, 0.0)
                            tree.value.withNodes { nodes in
                                for k in range {
                                    let i = Int(order.value[k])
                                    zp.base[i] = nodes.repulsion(yp.value[2 * i], yp.value[2 * i + 1], theta: theta,
                                                                 stack: stack, force: &force)
                                    rp.base[2 * i] = force.0; rp.base[2 * i + 1] = force.1
                                }
                            }
                        }
                    case let .fftInterpolation(settings):
                        settings.repulsion(yb, count: n, workspace: workspace, rowZ: zp.base, force: rp.base)
                    }
                }
            }
        }
        let z = rowZ.reduce(0, +)
        let inverseZ = z > 0 ? 1 / z : 0
        y.withUnsafeBufferPointer { yb in
            gradient.withUnsafeMutableBufferPointer { gb in
                rowCross.withUnsafeMutableBufferPointer { cb in
                    let yp = UncheckedBox(yb), gp = SendablePointer(gb.baseAddress!), cp = SendablePointer(cb.baseAddress!)
                    let rep = UncheckedBox(repulsive), aff = UncheckedBox(p)
                    let small = UncheckedBox(compact), y32 = UncheckedBox(positions32)
                    Parallel.forEachChunk(n, grain: 256) { range in
                        let starts = aff.value.rowStarts, cols = aff.value.columns, vals = aff.value.values
                        for i in range {
                            let xi = yp.value[2 * i], yi = yp.value[2 * i + 1]
                            var fx = 0.0, fy = 0.0, cross = 0.0
                            var e0 = starts[i]
                            if fast {
                                // Eight entries at a time in Float32 (SIMD division), the remainder below.
                                let v32 = small.value, q = y32.value
                                var ax = SIMD8<Float>.zero, ay = SIMD8<Float>.zero
                                let px = SIMD8<Float>(repeating: Float(xi)), py = SIMD8<Float>(repeating: Float(yi))
                                while e0 + 8 <= starts[i + 1] {
                                    var gx = SIMD8<Float>.zero, gy = SIMD8<Float>.zero, pij = SIMD8<Float>.zero
                                    for l in 0..<8 {
                                        let j = 2 * Int(cols[e0 + l])
                                        gx[l] = q[j]; gy[l] = q[j + 1]; pij[l] = v32[e0 + l]
                                    }
                                    let dx = px - gx, dy = py - gy
                                    let pw = pij / (1 + dx * dx + dy * dy)
                                    ax += pw * dx; ay += pw * dy
                                    e0 += 8
                                }
                                fx = Double(ax.sum()); fy = Double(ay.sum())
                            }
                            for e in e0..<starts[i + 1] {
                                let j = Int(cols[e])
                                let dx = xi - yp.value[2 * j], dy = yi - yp.value[2 * j + 1]
                                let d2 = dx * dx + dy * dy
                                let pw = vals[e] / (1 + d2)
                                fx += pw * dx; fy += pw * dy
                                if withObjective && vals[e] > 0 { cross += vals[e] * log(vals[e] * (1 + d2)) }
                            }
                            gp.base[2 * i] = exaggeration * fx - rep.value[2 * i] * inverseZ
                            gp.base[2 * i + 1] = exaggeration * fy - rep.value[2 * i + 1] * inverseZ
                            cp.base[i] = cross
                        }
                    }
                }
            }
        }
        return (z, rowCross.reduce(0, +))
    }

    /// Exact KL(P ‖ Q) of the stored sparse P against the all-pairs Student-t Q.
    public static func exactKL(_ p: TSNEAffinities, y: [Double]) -> Double {
        var gradient = [Double]()
        let (z, cross) = evaluate(p, y: y, repulsion: .exact, gradient: &gradient)
        return cross + log(z)
    }
}

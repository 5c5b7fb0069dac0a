import Foundation
@testable import LoupeAnalysis
import LoupeTensor
import LoupeTestSupport
import XCTest

/// The strided, pruned FFT and the tiled FIt-SNE grid convolution against direct sums.
final class EmbeddingFFTGridTests: XCTestCase {
    /// Strided source and destination, and a source whose upper half is declared zero: the result must
    /// equal the DFT of the zero-padded input although the upper half holds NaN (so it was never read).
    func testStridedPrunedTransformMatchesDirectDFT() throws {
        var random = TestRandom(seed: 31)
        for (n, batch) in [(24, 4), (972, 8), (30, 3), (25, 4), (2, 4)] {
            let plan = try ComplexFFT(length: n)
            let sourceStride = batch + 3, destinationStride = batch + 5
            let nonzero = plan.prunesZeroUpperHalf ? n / 2 : n
            var sRe = [Double](repeating: .nan, count: n * sourceStride), sIm = sRe
            var inputRe = [Double](repeating: 0, count: n * batch), inputIm = inputRe
            for k in 0..<nonzero {
                for b in 0..<batch {
                    let re = Double(random.uniform()) - 0.5, im = Double(random.uniform()) - 0.5
                    sRe[k * sourceStride + b] = re; sIm[k * sourceStride + b] = im
                    inputRe[k * batch + b] = re; inputIm[k * batch + b] = im
                }
            }
            for inverse in [false, true] {
                var dRe = [Double](repeating: -7, count: n * destinationStride), dIm = dRe
                var work = [Double](repeating: 0, count: 4 * n * batch)
                sRe.withUnsafeMutableBufferPointer { sr in
                    sIm.withUnsafeMutableBufferPointer { si in
                        dRe.withUnsafeMutableBufferPointer { dr in
                            dIm.withUnsafeMutableBufferPointer { di in
                                work.withUnsafeMutableBufferPointer { w in
                                    let base = w.baseAddress!
                                    plan.transform(sourceRe: sr.baseAddress!, sourceIm: si.baseAddress!, sourceStride: sourceStride,
                                                   destinationRe: dr.baseAddress!, destinationIm: di.baseAddress!,
                                                   destinationStride: destinationStride, batch: batch, inverse: inverse,
                                                   nonzeroInputs: nonzero,
                                                   work: ((base, base + n * batch), (base + 2 * n * batch, base + 3 * n * batch)))
                                }
                            }
                        }
                    }
                }
                var worst = 0.0
                let sign = inverse ? 1.0 : -1.0
                for b in 0..<batch {
                    for f in 0..<n {
                        var er = 0.0, ei = 0.0
                        for t in 0..<n {
                            let angle = sign * 2 * Double.pi * Double((t * f) % n) / Double(n)
                            let xr = inputRe[t * batch + b], xi = inputIm[t * batch + b]
                            er += xr * cos(angle) - xi * sin(angle); ei += xr * sin(angle) + xi * cos(angle)
                        }
                        worst = max(worst, abs(dRe[f * destinationStride + b] - er), abs(dIm[f * destinationStride + b] - ei))
                    }
                    // Lanes past the batch inside the destination stride are left alone.
                    XCTAssertEqual(dRe[destinationStride - 1], -7)
                }
                XCTAssertLessThan(worst, 1e-12 * Double(n), "n = \(n), batch = \(batch), inverse = \(inverse)")
            }
        }
    }

    /// The packed grid convolution (a = charge₀ + i·charge₁, b = charge₂ + i·charge₃) against four separate
    /// direct convolutions with (1 + h²d²)⁻²; padding rows and tiles hold NaN, so reading them would show.
    func testPackedGridConvolutionMatchesFourDirectConvolutions() {
        var random = TestRandom(seed: 32)
        // (24, 12): pruned plan (first radix 4); (25, 12): first radix 5, no pruning; (30, 13): radix 2 first, odd used.
        for (size, used) in [(24, 12), (25, 12), (30, 13), (40, 20)] {
            let workspace = TSNEInterpolation.Workspace()
            workspace.prepare(size: size, used: used, points: 1, nodes: 1)
            let grid = TSNEInterpolation.Grid(size: size, used: used, workspace: workspace)
            let pointers = [workspace.aRe, workspace.aIm, workspace.bRe, workspace.bIm]
            let count = TSNEInterpolation.Grid.count(size: size)
            for pointer in pointers { pointer.update(repeating: .nan, count: count) }
            grid.clearCharges()
            var charges = [[Double]](repeating: [Double](repeating: 0, count: used * used), count: 4)
            for g in 0..<4 {
                for r in 0..<used {
                    for c in 0..<used {
                        let value = Double(random.uniform()) * 2 - 0.5
                        charges[g][r * used + c] = value
                        pointers[g][TSNEInterpolation.Grid.index(r, c, size: size)] = value
                    }
                }
            }
            let spacing = 0.37
            grid.kernel(spacing: spacing)
            grid.convolve()
            var worst = 0.0, largest = 0.0
            for g in 0..<4 {
                for r in 0..<used {
                    for c in 0..<used {
                        var direct = 0.0
                        for r2 in 0..<used {
                            for c2 in 0..<used {
                                let d2 = Double((r - r2) * (r - r2) + (c - c2) * (c - c2)) * spacing * spacing
                                direct += charges[g][r2 * used + c2] / ((1 + d2) * (1 + d2))
                            }
                        }
                        let got = pointers[g][TSNEInterpolation.Grid.index(r, c, size: size)]
                        worst = max(worst, abs(got - direct)); largest = max(largest, abs(direct))
                    }
                }
            }
            XCTAssertGreaterThan(largest, 1)
            XCTAssertLessThan(worst / largest, 1e-12, "size \(size), used \(used)")
        }
    }
}

import Foundation
@testable import LoupeAnalysis
import LoupeTensor
import LoupeTestSupport
import XCTest

/// The strided, pruned FFT (Float64 and Float32) and the tiled FIt-SNE grid convolution against direct sums.
final class EmbeddingFFTGridTests: XCTestCase {
    /// Runs `plan` from a strided source whose elements k ≥ `nonzero` are NaN into a strided destination;
    /// returns the destination lanes as Float64, `length × batch`.
    func stridedTransform<S: FFTScalar>(_ plan: ComplexFFT, _: S.Type, inputRe: [Double], inputIm: [Double], batch: Int,
                                        nonzero: Int, inverse: Bool) -> (re: [Double], im: [Double], untouched: Bool) {
        let n = plan.length, sourceStride = batch + 3, destinationStride = batch + 5
        var sRe = [S](repeating: .nan, count: n * sourceStride), sIm = sRe
        for k in 0..<nonzero {
            for b in 0..<batch {
                sRe[k * sourceStride + b] = S(inputRe[k * batch + b]); sIm[k * sourceStride + b] = S(inputIm[k * batch + b])
            }
        }
        var dRe = [S](repeating: -7, count: n * destinationStride), dIm = dRe
        var work = [S](repeating: 0, count: 4 * n * batch)
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
        var re = [Double](repeating: 0, count: n * batch), im = re
        for f in 0..<n {
            for b in 0..<batch { re[f * batch + b] = Double(dRe[f * destinationStride + b]); im[f * batch + b] = Double(dIm[f * destinationStride + b]) }
        }
        // Lanes past the batch inside the destination stride are left alone.
        return (re, im, dRe[destinationStride - 1] == -7)
    }

    /// Strided source and destination, and a source whose upper half is declared zero: the result must
    /// equal the DFT of the zero-padded input although the upper half holds NaN (so it was never read).
    func testStridedPrunedTransformMatchesDirectDFT() throws {
        var random = TestRandom(seed: 31)
        // Double: 4-lane SIMD and scalar batches; Float: 8-lane SIMD and scalar batches.
        for (n, batch) in [(24, 4), (972, 8), (30, 3), (25, 4), (2, 4), (600, 16)] {
            let plan = try ComplexFFT(length: n)
            let nonzero = plan.prunesZeroUpperHalf ? n / 2 : n
            var inputRe = [Double](repeating: 0, count: n * batch), inputIm = inputRe
            for e in 0..<(nonzero * batch) { inputRe[e] = Double(random.uniform()) - 0.5; inputIm[e] = Double(random.uniform()) - 0.5 }
            for inverse in [false, true] {
                // The zero upper half adds nothing to the direct sum.
                let (expectedRe, expectedIm) = directDFT(inputRe, inputIm, length: n, batch: batch, inverse: inverse)
                let double = stridedTransform(plan, Double.self, inputRe: inputRe, inputIm: inputIm, batch: batch, nonzero: nonzero, inverse: inverse)
                let float = stridedTransform(plan, Float.self, inputRe: inputRe, inputIm: inputIm, batch: batch, nonzero: nonzero, inverse: inverse)
                var worst64 = 0.0, worst32 = 0.0
                // A NaN read from the skipped half would propagate; Swift's max would hide it, so count it.
                XCTAssertEqual((double.re + double.im + float.re + float.im).filter { !$0.isFinite }.count, 0, "n = \(n)")
                for e in 0..<(n * batch) {
                    worst64 = max(worst64, abs(double.re[e] - expectedRe[e]), abs(double.im[e] - expectedIm[e]))
                    worst32 = max(worst32, abs(float.re[e] - expectedRe[e]), abs(float.im[e] - expectedIm[e]))
                }
                XCTAssertTrue(double.untouched && float.untouched)
                XCTAssertLessThan(worst64, 1e-12 * Double(n), "n = \(n), batch = \(batch), inverse = \(inverse)")
                // Float32: error grows like ε·√n·log n against values of size √n.
                XCTAssertLessThan(worst32, 2e-6 * Double(n).squareRoot() * log2(Double(n) + 1), "Float32 n = \(n), batch = \(batch), inverse = \(inverse)")
            }
        }
    }

    /// The packed Float32 grid convolution (a = charge₀ + i·charge₁, b = charge₂ + i·charge₃) against four
    /// separate direct Float64 convolutions with (1 + h²d²)⁻²; padding rows and tiles hold NaN, so reading
    /// them would show.
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
                        let value = Float(random.uniform() * 2 - 0.5)
                        charges[g][r * used + c] = Double(value)
                        pointers[g][TSNEInterpolation.Grid.index(r, c, size: size)] = value
                    }
                }
            }
            let spacing = 0.37
            grid.kernel(spacing: spacing)
            grid.convolve()
            var worst = 0.0, largest = 0.0, nonFinite = 0
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
                        let got = Double(pointers[g][TSNEInterpolation.Grid.index(r, c, size: size)])
                        if !got.isFinite { nonFinite += 1 }
                        worst = max(worst, abs(got - direct)); largest = max(largest, abs(direct))
                    }
                }
            }
            XCTAssertEqual(nonFinite, 0, "padding (NaN) was read, size \(size)")
            XCTAssertGreaterThan(largest, 1)
            XCTAssertLessThan(worst / largest, 2e-6, "size \(size), used \(used)")
        }
    }
}

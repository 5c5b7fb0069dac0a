import Foundation

/// One Stockham stage of `ComplexFFT`: y[t-th output of butterfly p] = (Σ_k x_k ω_r^{kt}) · ω_{n_s}^{pt}.
///
/// Butterfly p reads input k at `p·inP + j·inRow + q + k·kStride` and writes output t at
/// `p·outP + j·outRow + q + t·tStride`, for rows j < `rowsPerP` and lanes q < `span` (one row of
/// `l·batch` lanes when both sides are compact, else `l` rows of `batch` lanes at the given strides).
struct FFTPass<S: FFTScalar> {
    let xr: UnsafeMutablePointer<S>, xi: UnsafeMutablePointer<S>
    let yr: UnsafeMutablePointer<S>, yi: UnsafeMutablePointer<S>
    let wr: UnsafePointer<S>, wi: UnsafePointer<S>
    let rowsPerP: Int, span: Int
    let inP: Int, inRow: Int, outP: Int, outRow: Int
    let kStride: Int, tStride: Int
    /// Butterflies per sequence, +1 forward / −1 inverse.
    let m: Int, d: S

    /// Runs the radix-r butterflies on `V.width` lanes at a time (`span` must be a multiple);
    /// `halfZero` (radix 4 and 2 only) treats inputs k ≥ r/2 as zero without reading them.
    @inline(__always) func run<V: FFTLane>(_ r: Int, _ lane: V.Type, halfZero: Bool) where V.Scalar == S {
        switch r {
        case 4: if halfZero { radix4(lane, upperZero: true) } else { radix4(lane, upperZero: false) }
        case 2: if halfZero { radix2(lane, upperZero: true) } else { radix2(lane, upperZero: false) }
        case 3: radix3(lane)
        case 5: radix5(lane)
        default: direct(r)
        }
    }

    @inline(__always) func radix2<V: FFTLane>(_: V.Type, upperZero: Bool) where V.Scalar == S {
        for p in 0..<m {
            let w1r = wr[2 * p + 1], w1i = d * wi[2 * p + 1]
            for j in 0..<rowsPerP {
                let inBase = p * inP + j * inRow, outBase = p * outP + j * outRow
                for q in stride(from: 0, to: span, by: V.width) {
                    let i0 = inBase + q, o = outBase + q
                    let a0r = V.load(xr, i0), a0i = V.load(xi, i0)
                    let a1r = upperZero ? V.zero : V.load(xr, i0 + kStride), a1i = upperZero ? V.zero : V.load(xi, i0 + kStride)
                    V.store(a0r + a1r, yr, o); V.store(a0i + a1i, yi, o)
                    let br = a0r - a1r, bi = a0i - a1i
                    V.storeProduct(br, bi, w1r, w1i, yr, yi, o + tStride)
                }
            }
        }
    }

    func radix3<V: FFTLane>(_: V.Type) where V.Scalar == S {
        let h = d * S(0.866_025_403_784_438_6)  // sin(2π/3), signed by direction
        for p in 0..<m {
            let w1r = wr[3 * p + 1], w1i = d * wi[3 * p + 1], w2r = wr[3 * p + 2], w2i = d * wi[3 * p + 2]
            for j in 0..<rowsPerP {
                let inBase = p * inP + j * inRow, outBase = p * outP + j * outRow
                for q in stride(from: 0, to: span, by: V.width) {
                    let i0 = inBase + q, o = outBase + q
                    let a0r = V.load(xr, i0), a0i = V.load(xi, i0), a1r = V.load(xr, i0 + kStride), a1i = V.load(xi, i0 + kStride)
                    let a2r = V.load(xr, i0 + 2 * kStride), a2i = V.load(xi, i0 + 2 * kStride)
                    let sr = a1r + a2r, si = a1i + a2i, dr = a1r - a2r, di = a1i - a2i
                    let cr = V.mulAdd(sr, S(-0.5), a0r), ci = V.mulAdd(si, S(-0.5), a0i)
                    let b1r = V.mulAdd(di, h, cr), b1i = V.mulAdd(dr, -h, ci), b2r = V.mulAdd(di, -h, cr), b2i = V.mulAdd(dr, h, ci)
                    V.store(a0r + sr, yr, o); V.store(a0i + si, yi, o)
                    V.storeProduct(b1r, b1i, w1r, w1i, yr, yi, o + tStride)
                    V.storeProduct(b2r, b2i, w2r, w2i, yr, yi, o + 2 * tStride)
                }
            }
        }
    }

    @inline(__always) func radix4<V: FFTLane>(_: V.Type, upperZero: Bool) where V.Scalar == S {
        let ts = tStride
        for p in 0..<m {
            let w1r = wr[4 * p + 1], w1i = d * wi[4 * p + 1], w2r = wr[4 * p + 2], w2i = d * wi[4 * p + 2]
            let w3r = wr[4 * p + 3], w3i = d * wi[4 * p + 3]
            for j in 0..<rowsPerP {
                let inBase = p * inP + j * inRow, outBase = p * outP + j * outRow
                for q in stride(from: 0, to: span, by: V.width) {
                    let i0 = inBase + q, o = outBase + q
                    let a0r = V.load(xr, i0), a0i = V.load(xi, i0), a1r = V.load(xr, i0 + kStride), a1i = V.load(xi, i0 + kStride)
                    let a2r = upperZero ? V.zero : V.load(xr, i0 + 2 * kStride), a2i = upperZero ? V.zero : V.load(xi, i0 + 2 * kStride)
                    let a3r = upperZero ? V.zero : V.load(xr, i0 + 3 * kStride), a3i = upperZero ? V.zero : V.load(xi, i0 + 3 * kStride)
                    let b0r = a0r + a2r, b0i = a0i + a2i, b1r = a0r - a2r, b1i = a0i - a2i
                    let b2r = a1r + a3r, b2i = a1i + a3i, b3r = a1r - a3r, b3i = a1i - a3i
                    // Forward ω_4 = −i: y1 = b1 − i·b3, y3 = b1 + i·b3 (inverse swaps the signs).
                    let c1r = V.mulAdd(b3i, d, b1r), c1i = V.mulAdd(b3r, -d, b1i), c3r = V.mulAdd(b3i, -d, b1r), c3i = V.mulAdd(b3r, d, b1i)
                    let c2r = b0r - b2r, c2i = b0i - b2i
                    V.store(b0r + b2r, yr, o); V.store(b0i + b2i, yi, o)
                    V.storeProduct(c1r, c1i, w1r, w1i, yr, yi, o + ts)
                    V.storeProduct(c2r, c2i, w2r, w2i, yr, yi, o + 2 * ts)
                    V.storeProduct(c3r, c3i, w3r, w3i, yr, yi, o + 3 * ts)
                }
            }
        }
    }

    func radix5<V: FFTLane>(_: V.Type) where V.Scalar == S {
        let c1 = S(0.309_016_994_374_947_45), c2 = S(-0.809_016_994_374_947_5)  // cos(2π/5), cos(4π/5)
        let s1 = d * S(0.951_056_516_295_153_6), s2 = d * S(0.587_785_252_292_473_2)  // sin(2π/5), sin(4π/5), signed
        let ts = tStride, ks = kStride
        for p in 0..<m {
            let base = 5 * p
            let w1r = wr[base + 1], w1i = d * wi[base + 1], w2r = wr[base + 2], w2i = d * wi[base + 2]
            let w3r = wr[base + 3], w3i = d * wi[base + 3], w4r = wr[base + 4], w4i = d * wi[base + 4]
            for j in 0..<rowsPerP {
                let inBase = p * inP + j * inRow, outBase = p * outP + j * outRow
                for q in stride(from: 0, to: span, by: V.width) {
                    let i0 = inBase + q, o = outBase + q
                    let a0r = V.load(xr, i0), a0i = V.load(xi, i0), a1r = V.load(xr, i0 + ks), a1i = V.load(xi, i0 + ks)
                    let a2r = V.load(xr, i0 + 2 * ks), a2i = V.load(xi, i0 + 2 * ks), a3r = V.load(xr, i0 + 3 * ks), a3i = V.load(xi, i0 + 3 * ks)
                    let a4r = V.load(xr, i0 + 4 * ks), a4i = V.load(xi, i0 + 4 * ks)
                    let t1r = a1r + a4r, t1i = a1i + a4i, t2r = a2r + a3r, t2i = a2i + a3i
                    let t3r = a1r - a4r, t3i = a1i - a4i, t4r = a2r - a3r, t4i = a2i - a3i
                    let b1r = V.mulAdd(t2r, c2, V.mulAdd(t1r, c1, a0r)), b1i = V.mulAdd(t2i, c2, V.mulAdd(t1i, c1, a0i))
                    let b2r = V.mulAdd(t2r, c1, V.mulAdd(t1r, c2, a0r)), b2i = V.mulAdd(t2i, c1, V.mulAdd(t1i, c2, a0i))
                    // y1,4 = b1 ∓ i·u1 and y2,3 = b2 ∓ i·u2 (forward signs; s1, s2 carry the direction).
                    let u1r = V.mulAdd(t4r, s2, s1 * t3r), u1i = V.mulAdd(t4i, s2, s1 * t3i)
                    let u2r = V.mulAdd(t4r, -s1, s2 * t3r), u2i = V.mulAdd(t4i, -s1, s2 * t3i)
                    V.store(a0r + t1r + t2r, yr, o); V.store(a0i + t1i + t2i, yi, o)
                    let v1r = b1r + u1i, v1i = b1i - u1r, v4r = b1r - u1i, v4i = b1i + u1r
                    let v2r = b2r + u2i, v2i = b2i - u2r, v3r = b2r - u2i, v3i = b2i + u2r
                    V.storeProduct(v1r, v1i, w1r, w1i, yr, yi, o + ts)
                    V.storeProduct(v2r, v2i, w2r, w2i, yr, yi, o + 2 * ts)
                    V.storeProduct(v3r, v3i, w3r, w3i, yr, yi, o + 3 * ts)
                    V.storeProduct(v4r, v4i, w4r, w4i, yr, yi, o + 4 * ts)
                }
            }
        }
    }

    /// Any radix r by direct summation (used for the prime factors ≥ 7), one lane at a time.
    func direct(_ r: Int) {
        var rootR = [S](repeating: 0, count: r), rootI = [S](repeating: 0, count: r)
        for j in 0..<r {
            rootR[j] = S(cos(2 * Double.pi * Double(j) / Double(r)))
            rootI[j] = -d * S(sin(2 * Double.pi * Double(j) / Double(r)))
        }
        var ar = [S](repeating: 0, count: r), ai = [S](repeating: 0, count: r)
        for p in 0..<m {
            for row in 0..<rowsPerP {
                let inBase = p * inP + row * inRow, outBase = p * outP + row * outRow
                for q in 0..<span {
                    for k in 0..<r { ar[k] = xr[inBase + k * kStride + q]; ai[k] = xi[inBase + k * kStride + q] }
                    for t in 0..<r {
                        var sr: S = 0, si: S = 0, j = 0
                        for k in 0..<r {
                            sr += ar[k] * rootR[j] - ai[k] * rootI[j]
                            si += ar[k] * rootI[j] + ai[k] * rootR[j]
                            j += t
                            if j >= r { j -= r }
                        }
                        let twr = wr[r * p + t], twi = d * wi[r * p + t]
                        yr[outBase + t * tStride + q] = sr * twr - si * twi
                        yi[outBase + t * tStride + q] = sr * twi + si * twr
                    }
                }
            }
        }
    }
}

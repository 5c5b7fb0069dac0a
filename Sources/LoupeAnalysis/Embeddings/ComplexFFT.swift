import Foundation
import LoupeTensor

/// A mixed-radix complex FFT of one length (self-sorting Stockham, decimation in frequency).
///
/// Radices 4, 2, 3 and 5 have dedicated butterflies; any other prime factor (7, 11, …) uses a direct
/// O(r²) butterfly, so every length works and lengths of the form 2^a·3^b·5^c (`goodLength`) are fast.
/// Data are split real/imaginary Float64 arrays holding `batch` interleaved sequences: element k of
/// sequence b sits at `k * batch + b`, so one call transforms a block of columns of a row-major grid.
/// Forward uses e^{−2πi jk/n}; inverse uses e^{+2πi jk/n} and is not normalised (divide by n yourself).
public struct ComplexFFT: Sendable {
    /// Transform length n.
    public let length: Int
    /// Radix of each stage, in application order.
    let radices: [Int]
    /// Per stage with sub-length n_s = n / (product of earlier radices) and m = n_s / r: the forward
    /// twiddles e^{−2πi·p·t/n_s} at index `p * r + t` (p < m, t < r).
    private let twiddleRe: [[Double]], twiddleIm: [[Double]]

    /// Plans a transform of `length` ≥ 1 points.
    public init(length: Int) throws {
        guard length >= 1 else {
            throw LoupeError(.invalidInput, location: "FFT length", "must be at least 1, got \(length)")
        }
        self.init(validLength: length)
    }

    /// Plans a transform; `validLength` must be at least 1 (internal callers guarantee it).
    init(validLength: Int) {
        length = max(1, validLength)
        var rest = length, factors = [Int]()
        while rest % 4 == 0 { factors.append(4); rest /= 4 }
        while rest % 2 == 0 { factors.append(2); rest /= 2 }
        var f = 3
        while rest > 1 {
            if f * f > rest { factors.append(rest); break }
            while rest % f == 0 { factors.append(f); rest /= f }
            f += 2
        }
        radices = factors
        var re = [[Double]](), im = [[Double]]()
        var sub = length
        for r in factors {
            let m = sub / r
            var tr = [Double](repeating: 1, count: m * r), ti = [Double](repeating: 0, count: m * r)
            for p in 0..<m {
                for t in 0..<r {
                    let angle = -2 * Double.pi * Double((p * t) % sub) / Double(sub)
                    tr[p * r + t] = cos(angle); ti[p * r + t] = sin(angle)
                }
            }
            re.append(tr); im.append(ti)
            sub = m
        }
        twiddleRe = re; twiddleIm = im
    }

    /// The smallest 2^a·3^b·5^c ≥ `n` (lengths this FFT handles with short butterflies).
    public static func goodLength(atLeast n: Int) -> Int {
        var best = Int.max, p2 = 1
        let target = max(1, n)
        while p2 < 2 * target {
            var p23 = p2
            while p23 < 2 * target {
                var p235 = p23
                while p235 < target { p235 *= 5 }
                best = min(best, p235)
                p23 *= 3
            }
            p2 *= 2
        }
        return best
    }

    /// Transforms `batch` interleaved sequences in place; `workRe`/`workIm` hold `length * batch` values each.
    public func transform(re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>, batch: Int, inverse: Bool,
                          workRe: UnsafeMutablePointer<Double>, workIm: UnsafeMutablePointer<Double>) {
        guard batch > 0, length > 1 else { return }
        var xr = re, xi = im, yr = workRe, yi = workIm
        var s = batch, sub = length
        let d: Double = inverse ? -1 : 1
        for (stage, r) in radices.enumerated() {
            let m = sub / r
            twiddleRe[stage].withUnsafeBufferPointer { twr in
                twiddleIm[stage].withUnsafeBufferPointer { twi in
                    let pass = Pass(xr: xr, xi: xi, yr: yr, yi: yi, wr: twr.baseAddress!, wi: twi.baseAddress!,
                                    s: s, m: m, d: d)
                    if batch % 4 == 0 {
                        pass.run(r, SIMD4<Double>.self)
                    } else {
                        pass.run(r, Double.self)
                    }
                }
            }
            swap(&xr, &yr); swap(&xi, &yi)
            s *= r; sub = m
        }
        if xr != re {
            re.update(from: xr, count: length * batch)
            im.update(from: xi, count: length * batch)
        }
    }

    /// One stage: reads x[q + s·(p + k·m)], writes y[q + s·(r·p + t)] = (Σ_k x_k ω_r^{kt}) · ω_{n_s}^{pt}.
    private struct Pass {
        let xr: UnsafeMutablePointer<Double>, xi: UnsafeMutablePointer<Double>
        let yr: UnsafeMutablePointer<Double>, yi: UnsafeMutablePointer<Double>
        let wr: UnsafePointer<Double>, wi: UnsafePointer<Double>
        /// Stride (interleaved sequences), butterflies per sequence, +1 forward / −1 inverse.
        let s: Int, m: Int, d: Double

        /// Runs the radix-r butterflies on `V.width` interleaved sequences at a time (`s` must be a multiple).
        @inline(__always) func run<V: FFTLane>(_ r: Int, _ lane: V.Type) {
            switch r {
            case 4: radix4(lane)
            case 2: radix2(lane)
            case 3: radix3(lane)
            case 5: radix5(lane)
            default: direct(r)
            }
        }

        func radix2<V: FFTLane>(_: V.Type) {
            let sm = s * m
            for p in 0..<m {
                let w1r = wr[2 * p + 1], w1i = d * wi[2 * p + 1]
                let inBase = s * p, outBase = 2 * s * p
                for q in stride(from: 0, to: s, by: V.width) {
                    let a0r = V.load(xr, inBase + q), a0i = V.load(xi, inBase + q), a1r = V.load(xr, inBase + sm + q), a1i = V.load(xi, inBase + sm + q)
                    V.store(a0r + a1r, yr, outBase + q); V.store(a0i + a1i, yi, outBase + q)
                    let br = a0r - a1r, bi = a0i - a1i
                    V.store(br * w1r - bi * w1i, yr, outBase + s + q); V.store(br * w1i + bi * w1r, yi, outBase + s + q)
                }
            }
        }

        func radix3<V: FFTLane>(_: V.Type) {
            let sm = s * m
            let h = d * 0.866_025_403_784_438_6  // sin(2π/3), signed by direction
            for p in 0..<m {
                let w1r = wr[3 * p + 1], w1i = d * wi[3 * p + 1], w2r = wr[3 * p + 2], w2i = d * wi[3 * p + 2]
                let inBase = s * p, outBase = 3 * s * p
                for q in stride(from: 0, to: s, by: V.width) {
                    let i0 = inBase + q
                    let a0r = V.load(xr, i0), a0i = V.load(xi, i0), a1r = V.load(xr, i0 + sm), a1i = V.load(xi, i0 + sm)
                    let a2r = V.load(xr, i0 + 2 * sm), a2i = V.load(xi, i0 + 2 * sm)
                    let sr = a1r + a2r, si = a1i + a2i, dr = a1r - a2r, di = a1i - a2i
                    let cr = a0r - 0.5 * sr, ci = a0i - 0.5 * si
                    let b1r = cr + h * di, b1i = ci - h * dr, b2r = cr - h * di, b2i = ci + h * dr
                    let o = outBase + q
                    V.store(a0r + sr, yr, o); V.store(a0i + si, yi, o)
                    V.store(b1r * w1r - b1i * w1i, yr, o + s); V.store(b1r * w1i + b1i * w1r, yi, o + s)
                    V.store(b2r * w2r - b2i * w2i, yr, o + 2 * s); V.store(b2r * w2i + b2i * w2r, yi, o + 2 * s)
                }
            }
        }

        func radix4<V: FFTLane>(_: V.Type) {
            let sm = s * m
            for p in 0..<m {
                let w1r = wr[4 * p + 1], w1i = d * wi[4 * p + 1], w2r = wr[4 * p + 2], w2i = d * wi[4 * p + 2]
                let w3r = wr[4 * p + 3], w3i = d * wi[4 * p + 3]
                let inBase = s * p, outBase = 4 * s * p
                for q in stride(from: 0, to: s, by: V.width) {
                    let i0 = inBase + q
                    let a0r = V.load(xr, i0), a0i = V.load(xi, i0), a1r = V.load(xr, i0 + sm), a1i = V.load(xi, i0 + sm)
                    let a2r = V.load(xr, i0 + 2 * sm), a2i = V.load(xi, i0 + 2 * sm), a3r = V.load(xr, i0 + 3 * sm), a3i = V.load(xi, i0 + 3 * sm)
                    let b0r = a0r + a2r, b0i = a0i + a2i, b1r = a0r - a2r, b1i = a0i - a2i
                    let b2r = a1r + a3r, b2i = a1i + a3i, b3r = a1r - a3r, b3i = a1i - a3i
                    // Forward ω_4 = −i: y1 = b1 − i·b3, y3 = b1 + i·b3 (inverse swaps the signs).
                    let c1r = b1r + d * b3i, c1i = b1i - d * b3r, c3r = b1r - d * b3i, c3i = b1i + d * b3r
                    let c2r = b0r - b2r, c2i = b0i - b2i
                    let o = outBase + q
                    V.store(b0r + b2r, yr, o); V.store(b0i + b2i, yi, o)
                    V.store(c1r * w1r - c1i * w1i, yr, o + s); V.store(c1r * w1i + c1i * w1r, yi, o + s)
                    V.store(c2r * w2r - c2i * w2i, yr, o + 2 * s); V.store(c2r * w2i + c2i * w2r, yi, o + 2 * s)
                    V.store(c3r * w3r - c3i * w3i, yr, o + 3 * s); V.store(c3r * w3i + c3i * w3r, yi, o + 3 * s)
                }
            }
        }

        func radix5<V: FFTLane>(_: V.Type) {
            let sm = s * m
            let c1 = 0.309_016_994_374_947_45, c2 = -0.809_016_994_374_947_5  // cos(2π/5), cos(4π/5)
            let s1 = d * 0.951_056_516_295_153_6, s2 = d * 0.587_785_252_292_473_2  // sin(2π/5), sin(4π/5), signed
            for p in 0..<m {
                let base = 5 * p
                let w1r = wr[base + 1], w1i = d * wi[base + 1], w2r = wr[base + 2], w2i = d * wi[base + 2]
                let w3r = wr[base + 3], w3i = d * wi[base + 3], w4r = wr[base + 4], w4i = d * wi[base + 4]
                let inBase = s * p, outBase = 5 * s * p
                for q in stride(from: 0, to: s, by: V.width) {
                    let i0 = inBase + q
                    let a0r = V.load(xr, i0), a0i = V.load(xi, i0), a1r = V.load(xr, i0 + sm), a1i = V.load(xi, i0 + sm)
                    let a2r = V.load(xr, i0 + 2 * sm), a2i = V.load(xi, i0 + 2 * sm), a3r = V.load(xr, i0 + 3 * sm), a3i = V.load(xi, i0 + 3 * sm)
                    let a4r = V.load(xr, i0 + 4 * sm), a4i = V.load(xi, i0 + 4 * sm)
                    let t1r = a1r + a4r, t1i = a1i + a4i, t2r = a2r + a3r, t2i = a2i + a3i
                    let t3r = a1r - a4r, t3i = a1i - a4i, t4r = a2r - a3r, t4i = a2i - a3i
                    let b1r = a0r + c1 * t1r + c2 * t2r, b1i = a0i + c1 * t1i + c2 * t2i
                    let b2r = a0r + c2 * t1r + c1 * t2r, b2i = a0i + c2 * t1i + c1 * t2i
                    // y1,4 = b1 ∓ i·u1 and y2,3 = b2 ∓ i·u2 (forward signs; s1, s2 carry the direction).
                    let u1r = s1 * t3r + s2 * t4r, u1i = s1 * t3i + s2 * t4i
                    let u2r = s2 * t3r - s1 * t4r, u2i = s2 * t3i - s1 * t4i
                    let o = outBase + q
                    V.store(a0r + t1r + t2r, yr, o); V.store(a0i + t1i + t2i, yi, o)
                    let v1r = b1r + u1i, v1i = b1i - u1r, v4r = b1r - u1i, v4i = b1i + u1r
                    let v2r = b2r + u2i, v2i = b2i - u2r, v3r = b2r - u2i, v3i = b2i + u2r
                    V.store(v1r * w1r - v1i * w1i, yr, o + s); V.store(v1r * w1i + v1i * w1r, yi, o + s)
                    V.store(v2r * w2r - v2i * w2i, yr, o + 2 * s); V.store(v2r * w2i + v2i * w2r, yi, o + 2 * s)
                    V.store(v3r * w3r - v3i * w3i, yr, o + 3 * s); V.store(v3r * w3i + v3i * w3r, yi, o + 3 * s)
                    V.store(v4r * w4r - v4i * w4i, yr, o + 4 * s); V.store(v4r * w4i + v4i * w4r, yi, o + 4 * s)
                }
            }
        }

        /// Any radix r by direct summation (used for the prime factors ≥ 7).
        func direct(_ r: Int) {
            let sm = s * m
            var rootR = [Double](repeating: 0, count: r), rootI = [Double](repeating: 0, count: r)
            for j in 0..<r {
                rootR[j] = cos(2 * Double.pi * Double(j) / Double(r))
                rootI[j] = -d * sin(2 * Double.pi * Double(j) / Double(r))
            }
            var ar = [Double](repeating: 0, count: r), ai = [Double](repeating: 0, count: r)
            for p in 0..<m {
                let inBase = s * p, outBase = r * s * p
                for q in 0..<s {
                    for k in 0..<r { ar[k] = xr[inBase + k * sm + q]; ai[k] = xi[inBase + k * sm + q] }
                    for t in 0..<r {
                        var sr = 0.0, si = 0.0, j = 0
                        for k in 0..<r {
                            sr += ar[k] * rootR[j] - ai[k] * rootI[j]
                            si += ar[k] * rootI[j] + ai[k] * rootR[j]
                            j += t
                            if j >= r { j -= r }
                        }
                        let twr = wr[r * p + t], twi = d * wi[r * p + t]
                        yr[outBase + t * s + q] = sr * twr - si * twi
                        yi[outBase + t * s + q] = sr * twi + si * twr
                    }
                }
            }
        }
    }
}

/// One FFT lane: a Double (one sequence at a time) or SIMD4<Double> (four interleaved sequences).
protocol FFTLane {
    static var width: Int { get }
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Double) -> Self
    static func * (a: Double, b: Self) -> Self
    static func load(_ p: UnsafeMutablePointer<Double>, _ i: Int) -> Self
    static func store(_ v: Self, _ p: UnsafeMutablePointer<Double>, _ i: Int)
}

extension Double: FFTLane {
    static var width: Int { 1 }
    @inline(__always) static func load(_ p: UnsafeMutablePointer<Double>, _ i: Int) -> Double { p[i] }
    @inline(__always) static func store(_ v: Double, _ p: UnsafeMutablePointer<Double>, _ i: Int) { p[i] = v }
}

extension SIMD4: FFTLane where Scalar == Double {
    static var width: Int { 4 }
    @inline(__always) static func load(_ p: UnsafeMutablePointer<Double>, _ i: Int) -> SIMD4<Double> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD4<Double>.self)
    }
    @inline(__always) static func store(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD4<Double>.self)
    }
}

import Foundation
import LoupeTensor

/// A mixed-radix complex FFT of one length (self-sorting Stockham, decimation in frequency).
///
/// Radices 4, 2, 3 and 5 have dedicated butterflies; any other prime factor (7, 11, …) uses a direct
/// O(r²) butterfly, so every length works and lengths of the form 2^a·3^b·5^c (`goodLength`) are fast.
/// Data are split real/imaginary Float64 arrays holding `batch` sequences ("lanes") side by side:
/// element k of lane b sits at `k * stride + b`, so one call transforms a block of columns of a
/// row-major grid in place (stride = row length) or a compact block (stride = batch).
/// Forward uses e^{−2πi jk/n}; inverse uses e^{+2πi jk/n} and is not normalised (divide by n yourself).
public struct ComplexFFT: Sendable {
    /// Transform length n.
    public let length: Int
    /// Radix of each stage, in application order (4s and 2s first).
    let radices: [Int]
    /// Per stage with sub-length n_s = n / (product of earlier radices) and m = n_s / r: the forward
    /// twiddles e^{−2πi·p·t/n_s} at index `p * r + t` (p < m, t < r).
    private let twiddleRe: [[Double]], twiddleIm: [[Double]]
    /// The same twiddles rounded to Float32.
    private let twiddleRe32: [[Float]], twiddleIm32: [[Float]]

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
        twiddleRe32 = re.map { $0.map { Float($0) } }; twiddleIm32 = im.map { $0.map { Float($0) } }
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

    /// True when `transform`'s `nonzeroInputs` can skip loads: the first radix is 4 or 2, so every
    /// first-stage butterfly's upper half reads elements ≥ n/2.
    public var prunesZeroUpperHalf: Bool { length > 1 && (radices.first == 4 || radices.first == 2) }

    /// Transforms `batch` compact sequences (stride = batch) in place; `workRe`/`workIm` hold `length * batch` values each.
    public func transform<S: FFTScalar>(re: UnsafeMutablePointer<S>, im: UnsafeMutablePointer<S>, batch: Int, inverse: Bool,
                                        workRe: UnsafeMutablePointer<S>, workIm: UnsafeMutablePointer<S>) {
        guard batch > 0, length > 1 else { return }
        // Ping-pong between the data and the work buffer; copy back when the result ends in the work buffer.
        var xr = re, xi = im, yr = workRe, yi = workIm
        for stage in radices.indices {
            run(stage: stage, xr: xr, xi: xi, inStride: batch, yr: yr, yi: yi, outStride: batch, batch: batch,
                inverse: inverse, halfZero: false)
            swap(&xr, &yr); swap(&xi, &yi)
        }
        if xr != re {
            re.update(from: xr, count: length * batch)
            im.update(from: xi, count: length * batch)
        }
    }

    /// Transforms `batch` lanes from a strided source into a strided destination (they may be the same
    /// memory) through two compact work buffers of `length * batch` values each (`work.0` real and
    /// imaginary, `work.1` likewise), in Float64 or Float32 (SIMD over 4 or 8 lanes when `batch` allows).
    ///
    /// `nonzeroInputs` ≤ n/2 (with `prunesZeroUpperHalf`) declares source elements k ≥ n/2 zero: they are
    /// never read, so the source may hold anything there. Otherwise every element is read.
    public func transform<S: FFTScalar>(sourceRe: UnsafeMutablePointer<S>, sourceIm: UnsafeMutablePointer<S>, sourceStride: Int,
                                        destinationRe: UnsafeMutablePointer<S>, destinationIm: UnsafeMutablePointer<S>,
                                        destinationStride: Int, batch: Int, inverse: Bool, nonzeroInputs: Int? = nil,
                                        work: ((UnsafeMutablePointer<S>, UnsafeMutablePointer<S>),
                                               (UnsafeMutablePointer<S>, UnsafeMutablePointer<S>))) {
        guard batch > 0 else { return }
        let halfZero = prunesZeroUpperHalf && (nonzeroInputs ?? length) <= length / 2
        if length == 1 {
            for b in 0..<batch {
                destinationRe[b] = halfZero ? 0 : sourceRe[b]; destinationIm[b] = halfZero ? 0 : sourceIm[b]
            }
            return
        }
        let buffers = [work.0, work.1]
        let last = radices.count - 1
        for stage in radices.indices {
            let (xr, xi, inStride) = stage == 0 ? (sourceRe, sourceIm, sourceStride) : (buffers[(stage - 1) % 2].0, buffers[(stage - 1) % 2].1, batch)
            let (yr, yi, outStride) = stage == last ? (destinationRe, destinationIm, destinationStride) : (buffers[stage % 2].0, buffers[stage % 2].1, batch)
            run(stage: stage, xr: xr, xi: xi, inStride: inStride, yr: yr, yi: yi, outStride: outStride, batch: batch,
                inverse: inverse, halfZero: halfZero && stage == 0)
        }
    }

    /// Runs one Stockham stage from x to y.
    private func run<S: FFTScalar>(stage: Int, xr: UnsafeMutablePointer<S>, xi: UnsafeMutablePointer<S>, inStride: Int,
                                   yr: UnsafeMutablePointer<S>, yi: UnsafeMutablePointer<S>, outStride: Int, batch: Int,
                                   inverse: Bool, halfZero: Bool) {
        let r = radices[stage]
        let l = radices[..<stage].reduce(1, *)
        let m = length / (l * r)
        let (twiddlesRe, twiddlesIm) = S.twiddles(self, stage: stage)
        twiddlesRe.withUnsafeBufferPointer { twr in
            twiddlesIm.withUnsafeBufferPointer { twi in
                guard let wr = twr.baseAddress, let wi = twi.baseAddress else { return }
                let fused = inStride == batch && outStride == batch
                let pass = FFTPass<S>(xr: xr, xi: xi, yr: yr, yi: yi, wr: wr, wi: wi,
                                      rowsPerP: fused ? 1 : l, span: fused ? l * batch : batch,
                                      inP: fused ? l * batch : l * inStride, inRow: inStride,
                                      outP: fused ? l * r * batch : l * r * outStride, outRow: outStride,
                                      kStride: l * m * inStride, tStride: l * outStride, m: m, d: inverse ? -1 : 1)
                if batch % S.Vector.width == 0 {
                    pass.run(r, S.Vector.self, halfZero: halfZero)
                } else {
                    pass.run(r, S.self, halfZero: halfZero)
                }
            }
        }
    }

    /// The stage's twiddles in Float64 (for `FFTScalar` conformances).
    func twiddles64(stage: Int) -> ([Double], [Double]) { (twiddleRe[stage], twiddleIm[stage]) }
    /// The stage's twiddles in Float32.
    func twiddles32(stage: Int) -> ([Float], [Float]) { (twiddleRe32[stage], twiddleIm32[stage]) }
}

/// A real type the FFT runs in: Double (SIMD4 lanes) or Float (SIMD8 lanes).
public protocol FFTScalar: BinaryFloatingPoint, FFTLane where Scalar == Self {
    associatedtype Vector: FFTLane where Vector.Scalar == Self
    static func twiddles(_ plan: ComplexFFT, stage: Int) -> ([Self], [Self])
}

extension Double: FFTScalar {
    public typealias Vector = SIMD4<Double>
    public static func twiddles(_ plan: ComplexFFT, stage: Int) -> ([Double], [Double]) { plan.twiddles64(stage: stage) }
}

extension Float: FFTScalar {
    public typealias Vector = SIMD8<Float>
    public static func twiddles(_ plan: ComplexFFT, stage: Int) -> ([Float], [Float]) { plan.twiddles32(stage: stage) }
}

/// One FFT lane: a scalar (one sequence at a time) or a SIMD vector (`width` side-by-side sequences).
public protocol FFTLane {
    associatedtype Scalar
    static var width: Int { get }
    static var zero: Self { get }
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Scalar) -> Self
    static func * (a: Scalar, b: Self) -> Self
    static func load(_ p: UnsafeMutablePointer<Scalar>, _ i: Int) -> Self
    static func store(_ v: Self, _ p: UnsafeMutablePointer<Scalar>, _ i: Int)
    /// a·b + c, fused (one rounding).
    static func mulAdd(_ a: Self, _ b: Scalar, _ c: Self) -> Self
}

extension FFTLane where Scalar: SignedNumeric {
    /// Stores (xr + i·xi)·(wr + i·wi) at index i of (yr, yi), with fused multiply-adds.
    @inline(__always) static func storeProduct(_ xr: Self, _ xi: Self, _ wr: Scalar, _ wi: Scalar,
                                               _ yr: UnsafeMutablePointer<Scalar>, _ yi: UnsafeMutablePointer<Scalar>, _ i: Int) {
        store(mulAdd(xr, wr, xi * -wi), yr, i)
        store(mulAdd(xr, wi, xi * wr), yi, i)
    }
}

/// Plain scalars as one-lane vectors.
extension FFTLane where Self: FloatingPoint, Scalar == Self {
    @inline(__always) public static var width: Int { 1 }
    @inline(__always) public static func load(_ p: UnsafeMutablePointer<Self>, _ i: Int) -> Self { p[i] }
    @inline(__always) public static func store(_ v: Self, _ p: UnsafeMutablePointer<Self>, _ i: Int) { p[i] = v }
    @inline(__always) public static func mulAdd(_ a: Self, _ b: Self, _ c: Self) -> Self { c.addingProduct(a, b) }
}

extension Double: FFTLane { public typealias Scalar = Double }
extension Float: FFTLane { public typealias Scalar = Float }

extension FFTLane where Self: SIMD, Self.Scalar: FloatingPoint {
    @inline(__always) public static var width: Int { Self.scalarCount }
    @inline(__always) public static func load(_ p: UnsafeMutablePointer<Scalar>, _ i: Int) -> Self {
        UnsafeRawPointer(p + i).loadUnaligned(as: Self.self)
    }
    @inline(__always) public static func store(_ v: Self, _ p: UnsafeMutablePointer<Scalar>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: Self.self)
    }
    @inline(__always) public static func mulAdd(_ a: Self, _ b: Scalar, _ c: Self) -> Self {
        c.addingProduct(a, Self(repeating: b))
    }
}

extension SIMD4: FFTLane where Scalar == Double {}
extension SIMD8: FFTLane where Scalar == Float {}

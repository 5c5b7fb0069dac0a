import Foundation

/// Unary float functions with specialised parallel loops.
public enum UnaryFunction: Sendable, Equatable {
    case neg, abs, sqrt, exp, log
    case relu
    /// `x > 0 ? x : alpha * x`.
    case leakyRelu(alpha: Float)
    /// `x > 0 ? x : alpha * (exp(x) - 1)`.
    case elu(alpha: Float)
    case sigmoid, tanh
    /// `max(0, min(1, alpha * x + beta))`.
    case hardSigmoid(alpha: Float, beta: Float)
    /// `x * max(0, min(1, x / 6 + 0.5))`.
    case hardSwish
    /// `min(max(x, min), max)`.
    case clip(min: Float, max: Float)
    case erf
    /// Exact GELU: `0.5 x (1 + erf(x / sqrt 2))`.
    case gelu
    /// Tanh-approximated GELU: `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.
    case geluTanh
    /// `log(1 + exp(x))`, computed without overflow.
    case softplus
    /// `x * sigmoid(x)` (SiLU, Swish), as the exported pair Sigmoid, Mul computes it.
    case silu
    /// `((erf(x / divisor) + 1) * x) * 0.5`: exact GELU as the exported chain Div, Erf, Add, Mul, Mul
    /// computes it, rounding for rounding.
    case erfGeluChain(divisor: Float)
}

/// `a * b + c` in one fused multiply-add (one rounding; a single instruction on the FMA baseline the
/// numeric targets are built for). The polynomials below use it: SiLU and its gradient ran 1.8x and
/// 1.5x faster than with separate multiplies and adds, which Swift never contracts.
@usableFromInline @inline(__always) func fused(_ a: Float, _ b: Float, _ c: Float) -> Float { c.addingProduct(a, b) }

/// `exp(x)` for `x <= 0`-centred uses, branch- and call-free so loops vectorise (about 2 ulp).
///
/// Inputs are clamped to [-87.3, 88.3]: results below ~1e-38 become ~1e-38 rather than 0 and
/// large inputs saturate near 2e38 instead of infinity, so use it where those ends do not
/// matter (sigmoid, softmax after max-subtraction). NaN propagates.
@inlinable @inline(__always) public func fastExp(_ x: Float) -> Float {
    let clamped = Swift.min(Swift.max(x, -87.3), 88.3)
    // Adding 1.5 * 2^23 rounds to the nearest integer k (kept in the low mantissa bits) without a libm call.
    let shifted = fused(clamped, 1.442_695_04, 12_582_912)
    let k = shifted - 12_582_912
    let r = fused(k, 2.121_944_4e-4, fused(k, -0.693_359_375, clamped))
    var p: Float = 1.987_569_15e-4
    p = fused(p, r, 1.398_199_95e-3)
    p = fused(p, r, 8.333_451_9e-3)
    p = fused(p, r, 4.166_579_59e-2)
    p = fused(p, r, 1.666_666_55e-1)
    p = fused(p, r, 5.000_000_1e-1)
    let poly = fused(p * r, r, r + 1)
    // 2^k through the exponent bits.
    let bits = shifted.bitPattern &- 0x4B40_0000
    return poly * Float(bitPattern: (bits &+ 127) &<< 23)
}

/// `erf(x)`, branch- and call-free so loops vectorise (within 1.2 ulp, absolute error under 8e-8; NaN propagates).
///
/// Two fitted polynomials (`scripts/fit_erf.py`, near-minimax), both evaluated and one selected per element:
/// - below |x| = 1, `x + x P(x^2)` with `P(x^2) = erf(x) / x - 1` (degree 6): the leading `x` is exact, so small
///   inputs keep their relative precision;
/// - from 1 to 4, `1 - Q(|x| - 2.5)` with `Q` fitted to `erfc` (degree 14); `|x| - 2.5` is exact there, and `|x|`
///   is clamped to 4, past which `erf` rounds to 1 in single precision.
/// No division and no `exp`: 1.3x faster than the series with Abramowitz & Stegun 7.1.26 it replaced (3.1 ulp).
@inlinable @inline(__always) public func fastErf(_ x: Float) -> Float {
    let a = Swift.abs(x), z = x * x
    var p: Float = 7.8891164e-05
    p = fused(p, z, -8.0208364e-04)
    p = fused(p, z, 5.1895343e-03)
    p = fused(p, z, -2.6854444e-02)
    p = fused(p, z, 1.12836e-01)
    p = fused(p, z, -3.7612626e-01)
    p = fused(p, z, 1.2837917e-01)
    let small = fused(x, p, x)
    let u = Swift.min(a, 4) - 2.5
    var q: Float = -8.9613536e-07
    q = fused(q, u, -5.092469e-07)
    q = fused(q, u, 1.5767993e-05)
    q = fused(q, u, -1.7682287e-05)
    q = fused(q, u, -8.125661e-05)
    q = fused(q, u, 2.703995e-04)
    q = fused(q, u, -2.5848075e-04)
    q = fused(q, u, -5.6006585e-04)
    q = fused(q, u, 2.797349e-03)
    q = fused(q, u, -6.109302e-03)
    q = fused(q, u, 8.622685e-03)
    q = fused(q, u, -8.351716e-03)
    q = fused(q, u, 5.4456764e-03)
    q = fused(q, u, -2.1781889e-03)
    q = fused(q, u, 4.0695266e-04)
    let large = Float(signOf: x, magnitudeOf: 1 - Swift.max(q, 0))
    return a < 1 ? small : large
}

/// The logistic function `1 / (1 + exp(-x))`, vectorisable: one `fastExp` and one division, no branch.
///
/// `fastExp` clamps its argument to [-87.3, 88.3], so `exp(-x)` never overflows: below x = -88.3 the
/// result stays at about 5e-39 instead of falling further (an absolute error under 1e-38), and elsewhere
/// it is within 1.8e-7 relative of the exact value (the split form `exp(-|x|)` with a select: 2.0e-7). Without
/// the select and the absolute value a SiLU pass takes 0.48 instead of 0.59 ns per element, its gradient
/// 0.60 instead of 0.69 (a standalone copy of the loops, 128 K floats, `-target-cpu haswell`).
@inlinable @inline(__always) public func sigmoidScalar(_ x: Float) -> Float {
    1 / (1 + fastExp(-x))
}

/// `log(1 + exp(x))` without overflow for large `x`.
@inlinable public func softplusScalar(_ x: Float) -> Float {
    x > 0 ? x + Foundation.log1p(Foundation.exp(-x)) : Foundation.log1p(Foundation.exp(x))
}

/// `sqrt(2 / pi)`, the tanh-GELU constant.
public let geluTanhScale: Float = 0.797_884_56

/// Maps a unary kernel over `x` in parallel chunks (specialised per kernel type).
@inlinable public func mapElements<K: UnaryKernel>(_ x: Tensor, _ kernel: K) -> Tensor {
    let n = x.count
    let out = [Float](unsafeUninitializedCapacity: n) { po, initialized in
        x.scalars.withUnsafeBufferPointer { px in
            guard let src = px.baseAddress, let dst = po.baseAddress else { return }
            Parallel.forEachChunk(n, grain: 32_768) { r in
                for i in r { dst[i] = kernel(src[i]) }
            }
        }
        initialized = n
    }
    return Tensor(shape: x.shape, scalars: out)
}

/// Maps a closure over `x` in parallel chunks (an indirect call per element; for cold paths).
@inlinable public func mapElements(_ x: Tensor, _ body: @escaping (Float) -> Float) -> Tensor {
    mapElements(x, ClosureUnaryKernel(body))
}

/// Maps a binary kernel over two same-shaped tensors in parallel chunks (result has `a`'s shape).
///
/// Used by backward passes as `zipElements(grad, x, kernel)` with `kernel(g, x) = g * f'(x)`.
/// Mismatched counts give zeros.
@inlinable public func zipElements<K: BinaryKernel>(_ a: Tensor, _ b: Tensor, _ kernel: K) -> Tensor where K.Element == Float {
    guard a.count == b.count else { return Tensor(shape: a.shape) }
    let n = a.count
    let out = [Float](unsafeUninitializedCapacity: n) { po, initialized in
        a.scalars.withUnsafeBufferPointer { pa in
            b.scalars.withUnsafeBufferPointer { pb in
                guard let sa = pa.baseAddress, let sb = pb.baseAddress, let dst = po.baseAddress else { return }
                Parallel.forEachChunk(n, grain: 32_768) { r in
                    for i in r { dst[i] = kernel(sa[i], sb[i]) }
                }
            }
        }
        initialized = n
    }
    return Tensor(shape: a.shape, scalars: out)
}

/// Maps a closure over pairs of same-shaped tensors (an indirect call per element; for cold paths).
@inlinable public func zipElements(_ a: Tensor, _ b: Tensor, _ body: @escaping (Float, Float) -> Float) -> Tensor {
    zipElements(a, b, ClosureBinaryKernel(body))
}

/// Maps a ternary kernel over three same-shaped tensors in parallel chunks (result has `a`'s shape).
@inlinable public func zipElements<K: TernaryKernel>(_ a: Tensor, _ b: Tensor, _ c: Tensor, _ kernel: K) -> Tensor {
    guard a.count == b.count, a.count == c.count else { return Tensor(shape: a.shape) }
    let n = a.count
    let out = [Float](unsafeUninitializedCapacity: n) { po, initialized in
        a.scalars.withUnsafeBufferPointer { pa in
            b.scalars.withUnsafeBufferPointer { pb in
                c.scalars.withUnsafeBufferPointer { pc in
                    guard let sa = pa.baseAddress, let sb = pb.baseAddress, let sc = pc.baseAddress,
                          let dst = po.baseAddress else { return }
                    Parallel.forEachChunk(n, grain: 32_768) { r in
                        for i in r { dst[i] = kernel(sa[i], sb[i], sc[i]) }
                    }
                }
            }
        }
        initialized = n
    }
    return Tensor(shape: a.shape, scalars: out)
}

/// Maps a closure over triples of same-shaped tensors (an indirect call per element; for cold paths).
@inlinable public func zipElements(_ a: Tensor, _ b: Tensor, _ c: Tensor,
                                   _ body: @escaping (Float, Float, Float) -> Float) -> Tensor {
    zipElements(a, b, c, ClosureTernaryKernel(body))
}

/// Applies a unary function to every element.
public func applyUnary(_ function: UnaryFunction, to x: Tensor) -> Tensor {
    function.withKernel(NewTensorMap(x: x))
}

extension UnaryFunction {
    /// Whether `unaryDerivativeProduct` has this function's derivative (SiLU and the exported GELU chain).
    public var hasDerivativeFromInput: Bool {
        switch self {
        case .silu, .erfGeluChain: return true
        default: return false
        }
    }
}

/// `gradient * function'(input)`, elementwise: the backward of a fused tail from its input alone, for the
/// functions that have one (`hasDerivativeFromInput`); nil for the others.
public func unaryDerivativeProduct(_ function: UnaryFunction, gradient: Tensor, input: Tensor) -> Tensor? {
    switch function {
    case .silu: return zipElements(gradient, input, SiluGradientKernel())
    case .erfGeluChain(let divisor): return zipElements(gradient, input, ErfGeluChainGradientKernel(divisor: divisor))
    default: return nil
    }
}

/// Applies a unary function to every element of `scalars`, in place: an activation fused onto the
/// operator that produced `scalars`, instead of a second pass into a new array.
public func applyUnaryInPlace(_ function: UnaryFunction, to scalars: inout [Float]) {
    scalars.withUnsafeMutableBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        applyUnaryInPlace(function, to: base, count: buffer.count)
    }
}

/// Applies a unary function to `count` floats from `base`, in place (a kernel's epilogue on the part
/// of its output it just wrote, while that part is still in cache).
public func applyUnaryInPlace(_ function: UnaryFunction, to base: UnsafeMutablePointer<Float>, count: Int) {
    function.withKernel(InPlaceMap(base: SendablePointer(base), count: count))
}

/// A loop over elements, specialised for the kernel `UnaryFunction.withKernel` hands it.
public protocol UnaryKernelLoop {
    associatedtype Result
    func run<K: UnaryKernel>(_ kernel: K) -> Result
}

/// `mapElements` into a new tensor.
struct NewTensorMap: UnaryKernelLoop {
    let x: Tensor
    func run<K: UnaryKernel>(_ kernel: K) -> Tensor { mapElements(x, kernel) }
}

/// The same map, writing back over its input.
struct InPlaceMap: UnaryKernelLoop {
    let base: SendablePointer<Float>
    let count: Int
    func run<K: UnaryKernel>(_ kernel: K) {
        let base = base
        Parallel.forEachChunk(count, grain: 32_768) { range in
            for i in range { base.base[i] = kernel(base.base[i]) }
        }
    }
}

extension UnaryFunction {
    /// Runs `loop` with this function's kernel struct (one specialised loop per function).
    public func withKernel<Loop: UnaryKernelLoop>(_ loop: Loop) -> Loop.Result {
        switch self {
        case .neg: return loop.run(NegKernel())
        case .abs: return loop.run(AbsKernel())
        case .sqrt: return loop.run(SqrtKernel())
        case .exp: return loop.run(ExpKernel())
        case .log: return loop.run(LogKernel())
        case .relu: return loop.run(ReluKernel())
        case .leakyRelu(let alpha): return loop.run(LeakyReluKernel(alpha: alpha))
        case .elu(let alpha): return loop.run(EluKernel(alpha: alpha))
        case .sigmoid: return loop.run(SigmoidKernel())
        case .tanh: return loop.run(TanhKernel())
        case .hardSigmoid(let alpha, let beta): return loop.run(HardSigmoidKernel(alpha: alpha, beta: beta))
        case .hardSwish: return loop.run(HardSwishKernel())
        case .clip(let lo, let hi): return loop.run(ClipKernel(lo: lo, hi: hi))
        case .erf: return loop.run(ErfKernel())
        case .gelu: return loop.run(GeluKernel())
        case .geluTanh: return loop.run(GeluTanhKernel())
        case .softplus: return loop.run(SoftplusKernel())
        case .silu: return loop.run(SiluKernel())
        case .erfGeluChain(let divisor): return loop.run(ErfGeluChainKernel(divisor: divisor))
        }
    }
}

/// The ReLU backward: `grad` passed where the gates allow, zero elsewhere.
///
/// `gateOnInput` passes only where the forward input was > 0; `gateOnGradient` passes only
/// where the incoming gradient is > 0 (standard: input only; guided: both; deconvnet: gradient only).
public func reluBackward(_ grad: Tensor, input: Tensor, gateOnInput: Bool, gateOnGradient: Bool) -> Tensor {
    switch (gateOnInput, gateOnGradient) {
    case (true, false): return zipElements(grad, input, ReluGateInput())
    case (true, true): return zipElements(grad, input, ReluGateBoth())
    case (false, true): return mapElements(grad, ReluKernel())
    case (false, false): return grad
    }
}

/// Softmax (or log-softmax) of `x` viewed as [outer, axis, inner], normalised along the middle extent.
///
/// Each [axis, inner] block is processed with loops that run contiguously over `inner` (or over
/// `axis` when `inner == 1`), so the exponentials vectorise.
public func softmaxForward(_ x: Tensor, outer: Int, axis: Int, inner: Int, log: Bool) -> Tensor {
    var out = [Float](repeating: 0, count: x.count)
    guard outer * axis * inner == x.count, axis > 0, inner > 0 else { return Tensor(shape: x.shape, scalars: out) }
    let block = axis * inner
    x.scalars.withUnsafeBufferPointer { px in
        out.withUnsafeMutableBufferPointer { po in
            guard let src = px.baseAddress, let dst = po.baseAddress else { return }
            Parallel.forEachChunk(outer, grain: Swift.max(1, 16_384 / block)) { r in
                var maxima = [Float](repeating: 0, count: inner), sums = [Float](repeating: 0, count: inner)
                maxima.withUnsafeMutableBufferPointer { pm in
                    sums.withUnsafeMutableBufferPointer { ps in
                        for o in r {
                            softmaxBlock(src + o * block, dst + o * block, axis: axis, inner: inner,
                                         maxima: pm, sums: ps, log: log)
                        }
                    }
                }
            }
        }
    }
    return Tensor(shape: x.shape, scalars: out)
}

/// One [axis, inner] block of `softmaxForward`; `maxima` and `sums` are scratch of `inner` elements.
@inline(__always)
func softmaxBlock(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, axis: Int, inner: Int,
                  maxima: UnsafeMutableBufferPointer<Float>, sums: UnsafeMutableBufferPointer<Float>, log: Bool) {
    if inner == 1 {
        // Contiguous row: reductions stay scalar, the exponentials and scaling vectorise.
        var m = softmaxRowMaximum(src, axis)
        if !m.isFinite && !m.isNaN { m = 0 }
        for k in 0..<axis { dst[k] = fastExp(src[k] - m) }
        let sum = ReductionKernels.contiguousSum(UnsafePointer(dst), axis)
        if log {
            let shift = m + Foundation.log(sum)
            for k in 0..<axis { dst[k] = src[k] - shift }
        } else {
            let scale = 1 / sum
            for k in 0..<axis { dst[k] *= scale }
        }
        return
    }
    for i in 0..<inner { maxima[i] = src[i]; sums[i] = 0 }
    for k in 1..<Swift.max(1, axis) {
        let row = src + k * inner
        for i in 0..<inner { maxima[i] = Swift.max(maxima[i], row[i]) }
    }
    for i in 0..<inner where !maxima[i].isFinite { maxima[i] = maxima[i].isNaN ? maxima[i] : 0 }
    for k in 0..<axis {
        let row = src + k * inner, out = dst + k * inner
        for i in 0..<inner { out[i] = fastExp(row[i] - maxima[i]) }
        for i in 0..<inner { sums[i] += out[i] }
    }
    if log {
        for i in 0..<inner { sums[i] = maxima[i] + Foundation.log(sums[i]) }
        for k in 0..<axis {
            let row = src + k * inner, out = dst + k * inner
            for i in 0..<inner { out[i] = row[i] - sums[i] }
        }
    } else {
        for i in 0..<inner { sums[i] = 1 / sums[i] }
        for k in 0..<axis {
            let out = dst + k * inner
            for i in 0..<inner { out[i] *= sums[i] }
        }
    }
}

/// Backward of `softmaxForward` from its output `y`: softmax `y (g - sum(g y))`, log-softmax `g - exp(y) sum(g)`.
public func softmaxBackward(_ grad: Tensor, output y: Tensor, outer: Int, axis: Int, inner: Int, log: Bool) -> Tensor {
    var out = [Float](repeating: 0, count: y.count)
    guard outer * axis * inner == y.count, grad.count == y.count, axis > 0 else {
        return Tensor(shape: y.shape, scalars: out)
    }
    grad.scalars.withUnsafeBufferPointer { pg in
        y.scalars.withUnsafeBufferPointer { py in
            out.withUnsafeMutableBufferPointer { po in
                guard let g = pg.baseAddress, let s = py.baseAddress, let dst = po.baseAddress else { return }
                Parallel.forEachChunk(outer * inner, grain: Swift.max(1, 8_192 / axis)) { r in
                    for line in r {
                        let base = (line / inner) * axis * inner + line % inner
                        var dot: Float = 0
                        if log {
                            for k in 0..<axis { dot += g[base + k * inner] }
                            for k in 0..<axis {
                                let i = base + k * inner
                                dst[i] = g[i] - Foundation.exp(s[i]) * dot
                            }
                        } else {
                            for k in 0..<axis { dot += g[base + k * inner] * s[base + k * inner] }
                            for k in 0..<axis {
                                let i = base + k * inner
                                dst[i] = s[i] * (g[i] - dot)
                            }
                        }
                    }
                }
            }
        }
    }
    return Tensor(shape: y.shape, scalars: out)
}

/// Maximum of `count >= 1` contiguous floats, eight lanes at a time.
@inline(__always)
func softmaxRowMaximum(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
    var k = 0
    var result = p[0]
    if count >= 8 {
        var lanes = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
        k = 8
        while k + 8 <= count {
            // A compare and blend (the stdlib's generic pointwiseMax stays an out-of-line call here).
            let next = UnsafeRawPointer(p + k).loadUnaligned(as: SIMD8<Float>.self)
            lanes.replace(with: next, where: next .> lanes)
            k += 8
        }
        result = lanes.max()
    }
    while k < count { result = Swift.max(result, p[k]); k += 1 }
    return result
}


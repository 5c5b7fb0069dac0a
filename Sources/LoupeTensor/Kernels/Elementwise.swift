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
}

/// Numerically stable logistic function.
@inlinable public func sigmoidScalar(_ x: Float) -> Float {
    if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
    let e = Foundation.exp(x)
    return e / (1 + e)
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
    switch function {
    case .neg: return mapElements(x, NegKernel())
    case .abs: return mapElements(x, AbsKernel())
    case .sqrt: return mapElements(x, SqrtKernel())
    case .exp: return mapElements(x, ExpKernel())
    case .log: return mapElements(x, LogKernel())
    case .relu: return mapElements(x, ReluKernel())
    case .leakyRelu(let alpha): return mapElements(x, LeakyReluKernel(alpha: alpha))
    case .elu(let alpha): return mapElements(x, EluKernel(alpha: alpha))
    case .sigmoid: return mapElements(x, SigmoidKernel())
    case .tanh: return mapElements(x, TanhKernel())
    case .hardSigmoid(let alpha, let beta): return mapElements(x, HardSigmoidKernel(alpha: alpha, beta: beta))
    case .hardSwish: return mapElements(x, HardSwishKernel())
    case .clip(let lo, let hi): return mapElements(x, ClipKernel(lo: lo, hi: hi))
    case .erf: return mapElements(x, ErfKernel())
    case .gelu: return mapElements(x, GeluKernel())
    case .geluTanh: return mapElements(x, GeluTanhKernel())
    case .softplus: return mapElements(x, SoftplusKernel())
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
public func softmaxForward(_ x: Tensor, outer: Int, axis: Int, inner: Int, log: Bool) -> Tensor {
    var out = [Float](repeating: 0, count: x.count)
    guard outer * axis * inner == x.count, axis > 0 else { return Tensor(shape: x.shape, scalars: out) }
    x.scalars.withUnsafeBufferPointer { px in
        out.withUnsafeMutableBufferPointer { po in
            guard let src = px.baseAddress, let dst = po.baseAddress else { return }
            Parallel.forEachChunk(outer * inner, grain: Swift.max(1, 8_192 / axis)) { r in
                for line in r {
                    let base = (line / inner) * axis * inner + line % inner
                    var m = -Float.infinity
                    for k in 0..<axis { m = Swift.max(m, src[base + k * inner]) }
                    if m == -.infinity { m = 0 }
                    var sum: Float = 0
                    for k in 0..<axis {
                        let e = Foundation.exp(src[base + k * inner] - m)
                        dst[base + k * inner] = e
                        sum += e
                    }
                    if log {
                        let shift = m + Foundation.log(sum)
                        for k in 0..<axis { dst[base + k * inner] = src[base + k * inner] - shift }
                    } else {
                        let scale = 1 / sum
                        for k in 0..<axis { dst[base + k * inner] *= scale }
                    }
                }
            }
        }
    }
    return Tensor(shape: x.shape, scalars: out)
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

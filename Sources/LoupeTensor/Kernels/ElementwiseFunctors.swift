import Foundation

// Elementwise functions as small structs. Loops generic over these specialise and inline the
// function body (a closure captured by a parallel chunk closure would be an indirect call per element).

/// A binary elementwise function, called once per element pair inside specialised loops.
public protocol BinaryKernel {
    associatedtype Element
    func callAsFunction(_ a: Element, _ b: Element) -> Element
}

/// A unary float function, called once per element inside specialised loops.
public protocol UnaryKernel {
    func callAsFunction(_ x: Float) -> Float
}

/// A float function of three same-position elements (e.g. gradient, input, parameter).
public protocol TernaryKernel {
    func callAsFunction(_ a: Float, _ b: Float, _ c: Float) -> Float
}

/// Wraps a closure as a unary kernel (an indirect call per element; for cold paths).
public struct ClosureUnaryKernel: UnaryKernel {
    public let body: (Float) -> Float
    public init(_ body: @escaping (Float) -> Float) { self.body = body }
    @inlinable public func callAsFunction(_ x: Float) -> Float { body(x) }
}

/// Wraps a closure as a binary kernel (an indirect call per element; for cold paths).
public struct ClosureBinaryKernel<Element>: BinaryKernel {
    public let body: (Element, Element) -> Element
    public init(_ body: @escaping (Element, Element) -> Element) { self.body = body }
    @inlinable public func callAsFunction(_ a: Element, _ b: Element) -> Element { body(a, b) }
}

/// Wraps a closure as a ternary kernel (an indirect call per element; for cold paths).
public struct ClosureTernaryKernel: TernaryKernel {
    public let body: (Float, Float, Float) -> Float
    public init(_ body: @escaping (Float, Float, Float) -> Float) { self.body = body }
    @inlinable public func callAsFunction(_ a: Float, _ b: Float, _ c: Float) -> Float { body(a, b, c) }
}

// MARK: Binary arithmetic

struct FloatAdd: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b } }
struct FloatSub: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b } }
struct FloatMul: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b } }
struct FloatDiv: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b } }
struct FloatPow: BinaryKernel {
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { Foundation.pow(a, b) }
}
struct FloatPRelu: BinaryKernel {
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a > 0 ? a : a * b }
}
struct FloatMax: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { Swift.max(a, b) } }
struct FloatMin: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { Swift.min(a, b) } }

struct IntAdd: BinaryKernel { @inline(__always) func callAsFunction(_ a: Int, _ b: Int) -> Int { a &+ b } }
struct IntSub: BinaryKernel { @inline(__always) func callAsFunction(_ a: Int, _ b: Int) -> Int { a &- b } }
struct IntMul: BinaryKernel { @inline(__always) func callAsFunction(_ a: Int, _ b: Int) -> Int { a &* b } }
/// Truncating division; zero divisors are rejected before the loop, `Int.min / -1` wraps.
struct IntDiv: BinaryKernel {
    @inline(__always) func callAsFunction(_ a: Int, _ b: Int) -> Int {
        b == 0 ? 0 : a.dividedReportingOverflow(by: b).partialValue
    }
}

// MARK: Unary functions

struct NegKernel: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { -x } }
struct AbsKernel: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.abs(x) } }
struct SqrtKernel: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x.squareRoot() } }
struct ExpKernel: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.exp(x) } }
struct LogKernel: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.log(x) } }
struct ReluKernel: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : 0 } }
struct LeakyReluKernel: UnaryKernel {
    let alpha: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : alpha * x }
}
struct EluKernel: UnaryKernel {
    let alpha: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : alpha * Foundation.expm1(x) }
}
struct SigmoidKernel: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { sigmoidScalar(x) } }
struct TanhKernel: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.tanh(x) } }
struct HardSigmoidKernel: UnaryKernel {
    let alpha: Float, beta: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.max(0, Swift.min(1, alpha * x + beta)) }
}
struct HardSwishKernel: UnaryKernel {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x * Swift.max(0, Swift.min(1, x / 6 + 0.5)) }
}
struct ClipKernel: UnaryKernel {
    let lo: Float, hi: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.min(Swift.max(x, lo), hi) }
}
struct ErfKernel: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { fastErf(x) } }
struct GeluKernel: UnaryKernel {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { 0.5 * x * (1 + fastErf(x * 0.707_106_78)) }
}
struct GeluTanhKernel: UnaryKernel {
    @inline(__always) func callAsFunction(_ x: Float) -> Float {
        0.5 * x * (1 + Foundation.tanh(geluTanhScale * (x + 0.044_715 * x * x * x)))
    }
}
struct SoftplusKernel: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { softplusScalar(x) } }
struct SiluKernel: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x * sigmoidScalar(x) } }
struct ErfGeluChainKernel: UnaryKernel {
    let divisor: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { ((fastErf(x / divisor) + 1) * x) * 0.5 }
}

/// `g * silu'(x)`, with `silu'(x) = s (1 + x (1 - s))` and `s = sigmoid(x)`.
struct SiluGradientKernel: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float {
        let s = sigmoidScalar(x)
        return g * (s * fused(x, 1 - s, 1))
    }
}
/// `g * f'(x)` for the GELU chain `f(x) = 0.5 x (1 + erf(x / c))`:
/// `f'(x) = 0.5 (1 + erf(x / c)) + x exp(-(x / c)^2) / (c sqrt(pi))`.
struct ErfGeluChainGradientKernel: BinaryKernel {
    let divisor: Float
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float {
        let z = x / divisor
        return g * (0.5 * (1 + fastErf(z)) + x * fastExp(-z * z) * (0.564_189_6 / divisor))
    }
}

// MARK: ReLU backward gates

/// Standard rule: pass where the input was positive.
struct ReluGateInput: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : 0 }
}
/// Guided rule: pass where input and gradient are both positive.
struct ReluGateBoth: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 && g > 0 ? g : 0 }
}

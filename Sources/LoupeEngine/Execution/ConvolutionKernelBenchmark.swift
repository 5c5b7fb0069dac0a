import Dispatch
import LoupeTensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Times every candidate kernel on every distinct Conv layer of a model (`loupe bench-conv`).
///
/// Candidates per pass: Loupe's own kernel (what `ConvolutionRule.ownRoute` runs), oneDNN direct and
/// oneDNN Winograd (3x3 stride-1 layers only). Each is run once untimed (oneDNN creates its primitive
/// then), then `repeats` times; the fastest run counts, because on a shared machine the slower runs
/// measure the other load. Both the process CPU time and the wall time are kept: on a machine busier
/// than its cores, CPU time still compares the kernels' work while wall time mostly measures the queue.
/// The table is the evidence behind `ConvolutionRule`'s thresholds.
public enum ConvolutionKernelBenchmark {
    /// One distinct layer shape and its timings (milliseconds; nil where a candidate cannot run it).
    public struct Row: Sendable {
        public var name: String
        public var count: Int
        public var geometry: ConvolutionGeometry
        public var route: ConvolutionKernelRoute
        /// Process CPU milliseconds, `[pass][candidate]`: passes forward, input gradient, weight gradient;
        /// candidates own, oneDNN direct, oneDNN Winograd.
        public var milliseconds: [[Double?]]
        /// Wall-clock milliseconds, laid out like `milliseconds`.
        public var wallMilliseconds: [[Double?]]
    }

    /// Measures the distinct Conv layers of `model` at `batchSize`.
    public static func measure(model: Model, batchSize: Int, repeats: Int, progress: (String) -> Void = { _ in }) throws -> [Row] {
        var rows = [Row]()
        var seen = [[Int]: Int]()
        for layer in try ConvolutionLayer.all(in: model, batchSize: batchSize) {
            let key = DNNLConvolution.geometryKey(layer.geometry)
            if let index = seen[key] {
                rows[index].count += 1
                continue
            }
            seen[key] = rows.count
            let times = time(layer.geometry, repeats: repeats)
            rows.append(Row(name: layer.name, count: 1, geometry: layer.geometry, route: layer.route,
                            milliseconds: times.map { $0.map { $0?.cpu } }, wallMilliseconds: times.map { $0.map { $0?.wall } }))
            progress(line(rows[rows.count - 1]))
        }
        return rows
    }

    /// Timings of the three passes by the three candidates on random data.
    static func time(_ g: ConvolutionGeometry, repeats: Int) -> [[(cpu: Double, wall: Double)?]] {
        var generator = SeededGenerator(seed: 7)
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in Float(generator.uniform()) - 0.5 } }
        let x = random(g.batch * g.inChannels * g.inPlane), w = random(g.outChannels * g.patchSize)
        let dy = random(g.batch * g.outChannels * g.outPlane)
        var y = [Float](repeating: 0, count: dy.count), dx = [Float](repeating: 0, count: x.count)
        var dw = [Float](repeating: 0, count: w.count)
        let own = ConvolutionRule.ownRoute(for: g)
        var transformed = [Float]()
        if own.forward == .winograd {
            transformed = [Float](repeating: 0, count: WinogradConvolution.transformedCount(outChannels: g.outChannels,
                                                                                           inChannels: g.inChannels))
            w.withUnsafeBufferPointer { wp in
                transformed.withUnsafeMutableBufferPointer { up in
                    if let source = wp.baseAddress, let target = up.baseAddress {
                        WinogradConvolution.transformWeights(source, outChannels: g.outChannels, inChannels: g.inChannels,
                                                             into: target)
                    }
                }
            }
        }
        func best(_ body: () -> Bool) -> (cpu: Double, wall: Double)? {
            guard body() else { return nil }
            var fastest = (cpu: Double.infinity, wall: Double.infinity)
            for _ in 0..<max(1, repeats) {
                let start = DispatchTime.now().uptimeNanoseconds, startCPU = processCPUMilliseconds()
                _ = body()
                fastest.cpu = min(fastest.cpu, processCPUMilliseconds() - startCPU)
                fastest.wall = min(fastest.wall, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            return fastest
        }
        let algorithms: [DNNLConvolutionAlgorithm] = [.direct, .winograd]
        return x.withUnsafeBufferPointer { xb in
            w.withUnsafeBufferPointer { wb in
                dy.withUnsafeBufferPointer { dyb in
                    transformed.withUnsafeBufferPointer { ub in
                        y.withUnsafeMutableBufferPointer { yb in
                            dx.withUnsafeMutableBufferPointer { dxb in
                                dw.withUnsafeMutableBufferPointer { dwb in
                                    let up = ub.baseAddress
                                    guard let xp = xb.baseAddress, let wp = wb.baseAddress, let dyp = dyb.baseAddress,
                                          let yp = yb.baseAddress, let dxp = dxb.baseAddress, let dwp = dwb.baseAddress
                                    else { return [[nil], [nil], [nil]] }
                                    let forwardOwn = best {
                                        if own.forward == .winograd, let up {
                                            WinogradConvolution.forward(input: xp, transformedWeight: up, bias: nil, geometry: g,
                                                                        output: yp)
                                        } else {
                                            ConvolutionKernel.forward(input: xp, weight: wp, bias: nil, geometry: g, output: yp)
                                        }
                                        return true
                                    }
                                    let inputOwn = best {
                                        if own.inputGradient == .winograd, let up {
                                            WinogradConvolution.forward(input: dyp, transformedWeight: up, inputGradient: true,
                                                                        bias: nil,
                                                                        geometry: WinogradConvolution.inputGradientGeometry(g),
                                                                        output: dxp)
                                        } else {
                                            ConvolutionKernel.backward(input: xp, weight: wp, gradOutput: dyp, geometry: g,
                                                                       gradInput: dxp, gradWeight: nil)
                                        }
                                        return true
                                    }
                                    let weightOwn = best {
                                        ConvolutionKernel.backward(input: xp, weight: wp, gradOutput: dyp, geometry: g,
                                                                   gradInput: nil, gradWeight: dwp)
                                        return true
                                    }
                                    var forward = [forwardOwn], input = [inputOwn], weight = [weightOwn]
                                    for algorithm in algorithms {
                                        forward.append(best {
                                            DNNLConvolution.forward(input: xp, weight: wp, bias: nil, geometry: g, output: yp,
                                                                    algorithm: algorithm)
                                        })
                                        input.append(best {
                                            DNNLConvolution.inputGradient(weight: wp, gradOutput: dyp, geometry: g, gradInput: dxp,
                                                                          algorithm: algorithm)
                                        })
                                        weight.append(best {
                                            DNNLConvolution.weightGradient(input: xp, gradOutput: dyp, geometry: g,
                                                                           gradWeight: dwp, algorithm: algorithm)
                                        })
                                    }
                                    return [forward, input, weight]
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// CPU time of the whole process so far, in milliseconds.
    static func processCPUMilliseconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) * 1e3 + Double(spec.tv_nsec) / 1e6
    }

    /// The column heads of `line`.
    public static let header = "| layer | × | C→M | in | k/s/g | GFLOP | fwd own / dir / wino (CPU ms) | dx own / dir / wino | dw own / dir / wino | rule (fwd, dx, dw) |\n|---|---|---|---|---|---|---|---|---|---|"

    /// One Markdown table row; the fastest candidate of each pass is in bold.
    public static func line(_ row: Row) -> String {
        let g = row.geometry
        let gflop = 2.0 * Double(g.batch * g.outChannels * g.outPlane * g.patchSize) / 1e9
        func cells(_ times: [Double?]) -> String {
            let fastest = times.compactMap { $0 }.min()
            return times.map { t -> String in
                guard let t else { return "–" }
                let text = t < 10 ? String(format: "%.2f", t) : String(format: "%.1f", t)
                return t == fastest ? "**\(text)**" : text
            }.joined(separator: " / ")
        }
        let route = [row.route.forward, row.route.inputGradient, row.route.weightGradient].map(\.rawValue).joined(separator: ", ")
        return "| \(row.name) | \(row.count) | \(g.inChannels)→\(g.outChannels) | \(g.inHeight)×\(g.inWidth) | "
            + "\(g.kernelHeight)×\(g.kernelWidth)/\(g.strideHeight)/\(g.groups) | \(String(format: "%.2f", gflop)) | "
            + "\(cells(row.milliseconds[0])) | \(cells(row.milliseconds[1])) | \(cells(row.milliseconds[2])) | \(route) |"
    }
}

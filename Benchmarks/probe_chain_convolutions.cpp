// Probe: how fast oneDNN runs each convolution of ResNet-50 (224 px) or of the 64-px ResNet-18 fixture
// in its own blocked layouts, forward (inference) and input gradient, with direct and Winograd
// algorithms, plus the ReLU derivative from the saved output. This is the measurement behind the
// oneDNN chains' Winograd rule (DNNLChainDescription.winogradForward/winogradBackward) and the
// estimate of what a gradient run in blocked layouts can reach (BENCHMARKS.md, issue 17).
//
// Build and run (libdnnl-dev; one thread, as each of Loupe's workers runs its part of the batch):
//   g++ -O2 -o /tmp/probe_chain_convolutions Benchmarks/probe_chain_convolutions.cpp -ldnnl
//   OMP_NUM_THREADS=1 /tmp/probe_chain_convolutions resnet50 4
//   OMP_NUM_THREADS=1 /tmp/probe_chain_convolutions resnet18-64 16
// Prints per layer the best of 7 timings in ms for the batch, and the sum per image.
#include <dnnl.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

struct Layer { int in, out, size, kernel, stride, count; };

template <class F> static double best_ms(F run) {
  for (int i = 0; i < 3; i++) run();
  double best = 1e30;
  for (int r = 0; r < 7; r++) {
    auto start = std::chrono::steady_clock::now();
    run();
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

static void zero(memory& m) { std::memset(m.get_data_handle(), 0, m.get_desc().get_size()); }

int main(int argc, char** argv) {
  std::string net = argc > 1 ? argv[1] : "resnet50";
  int batch = argc > 2 ? std::atoi(argv[2]) : 4;
  // in, out, input size, kernel, stride, how many such layers.
  std::vector<Layer> layers = net == "resnet18-64"
    ? std::vector<Layer>{{64, 64, 16, 3, 1, 4}, {64, 128, 16, 3, 2, 1}, {128, 128, 8, 3, 1, 3}, {64, 128, 16, 1, 2, 1},
                         {128, 256, 8, 3, 2, 1}, {256, 256, 4, 3, 1, 3}, {128, 256, 8, 1, 2, 1}, {256, 512, 4, 3, 2, 1},
                         {512, 512, 2, 3, 1, 3}, {256, 512, 4, 1, 2, 1}}
    : std::vector<Layer>{{64, 64, 56, 1, 1, 1}, {64, 64, 56, 3, 1, 3}, {64, 256, 56, 1, 1, 4}, {256, 64, 56, 1, 1, 2},
                         {256, 128, 56, 1, 1, 1}, {128, 128, 56, 3, 2, 1}, {128, 512, 28, 1, 1, 4}, {256, 512, 56, 1, 2, 1},
                         {512, 128, 28, 1, 1, 3}, {128, 128, 28, 3, 1, 3}, {512, 256, 28, 1, 1, 1}, {256, 256, 28, 3, 2, 1},
                         {256, 1024, 14, 1, 1, 6}, {512, 1024, 28, 1, 2, 1}, {1024, 256, 14, 1, 1, 5}, {256, 256, 14, 3, 1, 5},
                         {1024, 512, 14, 1, 1, 1}, {512, 512, 14, 3, 2, 1}, {512, 2048, 7, 1, 1, 3}, {1024, 2048, 14, 1, 2, 1},
                         {2048, 512, 7, 1, 1, 2}, {512, 512, 7, 3, 1, 2}};
  engine eng(engine::kind::cpu, 0);
  stream st(eng);
  double total = 0;
  std::printf("%-22s %8s %8s %8s %8s %8s\n", "layer", "fwd-dir", "fwd-wino", "bwd-dir", "bwd-wino", "relu'");
  for (const Layer& l : layers) {
    int pad = l.kernel / 2, outSize = (l.size + 2 * pad - l.kernel) / l.stride + 1;
    auto src = memory::desc({batch, l.in, l.size, l.size}, dt::f32, tag::any);
    auto dst = memory::desc({batch, l.out, outSize, outSize}, dt::f32, tag::any);
    auto wei = memory::desc({l.out, l.in, l.kernel, l.kernel}, dt::f32, tag::any);
    auto bias = memory::desc({l.out}, dt::f32, tag::a);
    double times[4] = {-1, -1, -1, -1};  // forward direct, forward Winograd, backward direct, backward Winograd
    for (int winograd = 0; winograd < 2; winograd++) {
      auto algo = winograd ? algorithm::convolution_winograd : algorithm::convolution_direct;
      try {
        post_ops ops;
        ops.append_eltwise(1, algorithm::eltwise_relu, 0, 0);
        primitive_attr attr;
        attr.set_post_ops(ops);
        auto fpd = convolution_forward::primitive_desc(
            {prop_kind::forward_inference, algo, src, wei, bias, dst, {l.stride, l.stride}, {pad, pad}, {pad, pad}}, attr, eng);
        memory s(fpd.src_desc(), eng), w(fpd.weights_desc(), eng), b(bias, eng), d(fpd.dst_desc(), eng);
        zero(s); zero(w); zero(b);
        convolution_forward fwd(fpd);
        times[winograd] = best_ms([&] {
          fwd.execute(st, {{DNNL_ARG_SRC, s}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_BIAS, b}, {DNNL_ARG_DST, d}});
          st.wait();
        });
        // The input gradient, with a training forward primitive of free layouts as its hint.
        auto hint = convolution_forward::primitive_desc(
            {prop_kind::forward_training, algo, src, wei, bias, dst, {l.stride, l.stride}, {pad, pad}, {pad, pad}}, eng);
        auto bpd = convolution_backward_data::primitive_desc(
            {algo, src, wei, dst, {l.stride, l.stride}, {pad, pad}, {pad, pad}}, eng, hint);
        memory ds(bpd.diff_src_desc(), eng), bw(bpd.weights_desc(), eng), dd(bpd.diff_dst_desc(), eng);
        zero(bw); zero(dd);
        convolution_backward_data bwd(bpd);
        times[2 + winograd] = best_ms([&] {
          bwd.execute(st, {{DNNL_ARG_DIFF_DST, dd}, {DNNL_ARG_WEIGHTS, bw}, {DNNL_ARG_DIFF_SRC, ds}});
          st.wait();
        });
      } catch (const error&) {
        // oneDNN has no kernel for this algorithm and shape: left at -1.
      }
    }
    auto md = memory::desc({batch, l.out, outSize, outSize}, dt::f32, tag::nChw16c);
    auto efpd = eltwise_forward::primitive_desc(
        {prop_kind::forward_training, algorithm::eltwise_relu_use_dst_for_bwd, md, 0, 0}, eng);
    auto ebpd = eltwise_backward::primitive_desc({algorithm::eltwise_relu_use_dst_for_bwd, md, md, 0, 0}, eng, efpd);
    memory y(md, eng), dy(md, eng), dx(md, eng);
    zero(y); zero(dy);
    eltwise_backward relu(ebpd);
    double relu_ms = best_ms([&] {
      relu.execute(st, {{DNNL_ARG_DST, y}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx}});
      st.wait();
    });
    auto fastest = [](double a, double b) { return a < 0 ? b : (b < 0 ? a : std::min(a, b)); };
    total += l.count * (fastest(times[0], times[1]) + fastest(times[2], times[3]) + relu_ms);
    char name[64];
    std::snprintf(name, sizeof name, "%d->%d @%d k%d s%d x%d", l.in, l.out, l.size, l.kernel, l.stride, l.count);
    std::printf("%-22s %8.3f %8.3f %8.3f %8.3f %8.3f\n", name, times[0], times[1], times[2], times[3], relu_ms);
  }
  std::printf("batch %d: fastest forward + input gradient + ReLU derivative, %.2f ms per image (one thread)\n", batch,
              total / batch);
}

# The image that README.md's Kubernetes Indexed Job names (your-registry/onnx-ablate:latest): onnx-ablate on PATH and
# a shell, for `command: ["sh", "-c", "onnx-ablate study ..."]`. Models, data and result stores come from volumes.
# Build it from the repository root, then push it to your registry:
#
#   docker build -t your-registry/onnx-ablate:latest .
#
# tests/OnnxAblation.Tests/Scheduling/IndexedJobTests.cs builds it where a Docker engine runs and can pull the two
# base images (SDK_IMAGE, RUNTIME_IMAGE: --build-arg takes a mirror's names). The build stage restores NuGet
# packages: give it network (docker build --network=host where the host reaches NuGet through its own set-up).
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime:10.0

FROM ${SDK_IMAGE} AS build
# linux-arm64 for ARM nodes; one RID keeps only its native libraries (about 0.5 GB instead of 1.8 GB)
ARG RID=linux-x64
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props ./
COPY src/ src/
RUN dotnet publish src/OnnxAblation.Cli/OnnxAblation.Cli.csproj -c Release -r ${RID} --self-contained false -o /opt/onnx-ablate -nologo

FROM ${RUNTIME_IMAGE}
COPY --from=build /opt/onnx-ablate /opt/onnx-ablate
RUN ln -s /opt/onnx-ablate/onnx-ablate /usr/local/bin/onnx-ablate && onnx-ablate --help >/dev/null
WORKDIR /results
CMD ["onnx-ablate", "--help"]

# syntax=docker/dockerfile:1
# logcollector-exporter: a NativeAOT binary on a chiseled base image (no shell, no package manager), run as a
# numeric non-root user.
#
#   docker build --build-arg SOURCE_REVISION="$(git rev-parse HEAD)" -t logcollector-exporter:0.1.0 .
#
# It reads its configuration from /etc/logcollector-exporter/collectors.yaml (mount a folder or a ConfigMap there).
# tests/container/check.sh runs this file's build steps and starts the binary the way this image does; it reads the
# steps from here, so keep RUN commands on paths relative to WORKDIR.

# The base images are pinned by version: the SDK 10.0.401 and the runtime 10.0.12 it ships with, what the project was
# last built and tested with, rather than whatever 10.0 is on the day of the build (a version tag is still rebuilt for
# Ubuntu's security fixes; a digest, @sha256:..., would pin the bytes). The tags follow mcr.microsoft.com's scheme
# (<sdk version>-noble-aot, <runtime version>-noble-chiseled); they were chosen on a machine without registry access
# and have not been pulled from there: `docker pull` both when you move them.
#
# The -aot SDK image has the native toolchain NativeAOT links with (clang, zlib). global.json is left out on purpose:
# it pins the SDK band for development, and the image brings the SDK it has.
FROM mcr.microsoft.com/dotnet/sdk:10.0.401-noble-aot AS build
ARG TARGETARCH
WORKDIR /source

# Restore on a layer of its own: it is redone only when a project file or a package version changes.
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Exporter/Exporter.csproj src/Exporter/
RUN dotnet restore src/Exporter/Exporter.csproj -a $TARGETARCH

COPY src/ src/
# The source revision shown in logcollector_exporter_build_info (there is no .git in the build context).
ARG SOURCE_REVISION=unknown
RUN dotnet publish src/Exporter/Exporter.csproj -a $TARGETARCH -c Release --no-restore -p:SourceRevisionId=$SOURCE_REVISION -o out

FROM mcr.microsoft.com/dotnet/runtime-deps:10.0.12-noble-chiseled
COPY --from=build /source/out/logcollector-exporter /app/logcollector-exporter
# The base image sets ASPNETCORE_HTTP_PORTS=8080 for ASP.NET Core apps; the exporter listens on 9978 (--urls changes it).
ENV ASPNETCORE_HTTP_PORTS=
USER $APP_UID
EXPOSE 9978
ENTRYPOINT ["/app/logcollector-exporter"]
CMD ["--config", "/etc/logcollector-exporter/collectors.yaml"]

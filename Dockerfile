# The release image, built by goreleaser (dockers_v2 in .goreleaser.yml) from
# the static (CGO_ENABLED=0) binaries it already built, which it puts under
# $TARGETPLATFORM/ in the build context; not meant for `docker build .`.
#
# distroless static: CA certificates and tzdata (the AWS SDK needs the first),
# no shell, no package manager. The -debug tags use BASE=…:debug-nonroot,
# which adds busybox at /busybox/sh for CI systems that run scripts in the
# image (GitLab's image:).
ARG BASE=gcr.io/distroless/static-debian12:nonroot
FROM ${BASE}
ARG TARGETPLATFORM
COPY ${TARGETPLATFORM}/plink /usr/bin/plink
COPY schemas/manifest.schema.json schemas/plan.schema.json schemas/drift.schema.json /usr/share/plink/
COPY LICENSE /usr/share/doc/plink/LICENSE
# nonroot (65532:65532), whose HOME is /home/nonroot: mount AWS config there.
USER 65532:65532
WORKDIR /home/nonroot
ENTRYPOINT ["/usr/bin/plink"]

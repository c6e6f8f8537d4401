# packaging.cmake - bash completion for every install, and, with
# PT_PACKAGE_DEB=ON, the Debian package's system files and its CPack setup.
# scripts/package.sh is the way to build the package.
#
# Why CPack and not debian/ + dpkg-buildpackage: the build is CMake already,
# and CPack packages exactly what `cmake --install` installs, so the install
# rules stay the one list of what goes where. It computes Depends from the
# linked libraries with dpkg-shlibdeps, writes the shlibs file and the ldconfig
# trigger for libpowertest, and builds the archive with root-owned files
# itself (no fakeroot). What dpkg-buildpackage would add (a source package,
# build-dependency checks, debhelper's scripts) this project does not need.
#
# Why one package (powertest) and not powertest + libpowertest0 +
# libpowertest-dev: the library is young (soname 0) and used with the tool;
# one package is one thing to install and upgrade together. lintian says so
# with warnings (package-name-doesnt-match-sonames, non-dev-pkg-with-shlib-symlink);
# splitting is a CPACK_DEB_COMPONENT_INSTALL away when outside users come.

# Bash completion: under the prefix, where bash-completion looks
# (/usr/share/... and, through XDG_DATA_DIRS, /usr/local/share/...).
install(FILES ${CMAKE_SOURCE_DIR}/packaging/bash-completion/powertest
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)

if(NOT PT_PACKAGE_DEB)
  return()
endif()

# The program looks for its data in the prefix it was built for (and beside
# itself): the package puts them in /usr/share/powertest, so it must be
# built for /usr.
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(FATAL_ERROR "PT_PACKAGE_DEB needs -DCMAKE_INSTALL_PREFIX=/usr, not ${CMAKE_INSTALL_PREFIX}")
endif()

# The changelog's newest entry must be this version (one place for the
# version: project() above; the header and this changelog must agree).
file(STRINGS ${CMAKE_SOURCE_DIR}/packaging/deb/changelog PT_CHANGELOG_TOP LIMIT_COUNT 1)
if(NOT PT_CHANGELOG_TOP MATCHES "^powertest \\(${PROJECT_VERSION}\\) ")
  message(FATAL_ERROR "packaging/deb/changelog starts with '${PT_CHANGELOG_TOP}': "
    "add an entry for powertest (${PROJECT_VERSION})")
endif()

# systemd's own answer for where system units go (/lib/systemd/system on
# Debian 12, /usr/lib/systemd/system later).
pkg_get_variable(PT_SYSTEMD_UNIT_DIR systemd systemdsystemunitdir)
if(NOT PT_SYSTEMD_UNIT_DIR)
  set(PT_SYSTEMD_UNIT_DIR /lib/systemd/system)
endif()

set(PT_PKG_DIR ${CMAKE_BINARY_DIR}/packaging)
configure_file(${CMAKE_SOURCE_DIR}/packaging/deb/powertest.yaml.in ${PT_PKG_DIR}/powertest.yaml @ONLY)

# Compressed as Debian wants: gzip -9, without name or time stamp (-n), so
# two builds of the same source give the same bytes.
set(PT_GZIPPED)
foreach(pair "doc/powertest.1|powertest.1.gz" "packaging/deb/changelog|changelog.gz")
  string(REPLACE "|" ";" pair "${pair}")
  list(GET pair 0 in)
  list(GET pair 1 out)
  add_custom_command(OUTPUT ${PT_PKG_DIR}/${out}
    COMMAND sh -c "gzip -9n <\"$1\" >\"$2\"" sh ${CMAKE_SOURCE_DIR}/${in} ${PT_PKG_DIR}/${out}
    DEPENDS ${CMAKE_SOURCE_DIR}/${in}
    VERBATIM)
  list(APPEND PT_GZIPPED ${PT_PKG_DIR}/${out})
endforeach()
add_custom_target(powertest_deb_files ALL DEPENDS ${PT_GZIPPED})

# A native package (no Debian revision: upstream and packaging are one), so
# its changelog is changelog.gz, not changelog.Debian.gz.
install(FILES ${PT_PKG_DIR}/powertest.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PT_PKG_DIR}/changelog.gz ${CMAKE_SOURCE_DIR}/packaging/deb/copyright
  DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${CMAKE_SOURCE_DIR}/packaging/systemd/powertest-serve.service
  DESTINATION ${PT_SYSTEMD_UNIT_DIR})
install(FILES ${PT_PKG_DIR}/powertest.yaml DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/powertest)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/deb/lintian-overrides
  DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME powertest)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME powertest)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "powertest maintainers <powertest@maintainers.invalid>")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "energy and CO2 of jobs from Prometheus data")
# The long description (CPack puts the summary above it).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "powertest turns what a lab's Prometheus already knows (node_exporter,
nvidia_gpu_exporter or DCGM, power meters) into per-node and per-device
energy and carbon figures for a window of time: the run of a job, a
benchmark, a night of batch work. It writes CSV that the Grafana CSV data
source reads as is, and serves it over HTTP (the powertest-serve service).
.
This package holds the powertest command, the libpowertest library with its
header and pkg-config file, the query sets, data tables and Grafana files.")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus, prometheus-node-exporter")
# Our own maintainer scripts (CPack's would call ldconfig, which a trigger
# does now) and ldconfig trigger.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA)
foreach(f conffiles triggers postinst prerm postrm)
  list(APPEND CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_SOURCE_DIR}/packaging/deb/${f})
endforeach()
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_SOURCE_DIR}/packaging/deb/strip.cmake)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CMAKE_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
  OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
include(CPack)

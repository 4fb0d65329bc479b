# What `make install` (cmake --install) and the Debian packages install.
# Included last from the top-level CMakeLists.txt, so that it sees every
# program target.
#
#   <prefix>/sbin/dmremap, dmremapd           the programs (admin tools: section 8)
#   <prefix>/share/man/man{7,8}/              dmremap(8), dmremapd(8), dm-remap(7)
#   <prefix>/share/bash-completion/completions/dmremap, dmremapd
#   <prefix>/share/dmremap/                   README.md, prometheus/dmremap-rules.yml,
#                                             grafana/dmremap-dashboard.json
#   DMREMAP_SYSTEMD_UNIT_DIR/dmremapd.service
#   DMREMAP_DKMS_SOURCE_DIR/                  the module's DKMS source tree

include(GNUInstallDirs)

# Debian (12) keeps packaged units in /lib/systemd/system; units of a
# local install go under the prefix, where systemd also looks
# (/usr/local/lib/systemd/system). DKMS finds module sources only in
# /usr/src/<name>-<version>/, whatever the prefix. Both follow the prefix
# and version unless given with -D (empty: not installed at all).
if(NOT DEFINED DMREMAP_SYSTEMD_UNIT_DIR)
    if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
        set(DMREMAP_SYSTEMD_UNIT_DIR /lib/systemd/system)
    else()
        set(DMREMAP_SYSTEMD_UNIT_DIR ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
    endif()
endif()
if(NOT DEFINED DMREMAP_DKMS_SOURCE_DIR)
    set(DMREMAP_DKMS_SOURCE_DIR /usr/src/dm-remap-${PROJECT_VERSION})
endif()

set(dmremap_src ${PROJECT_SOURCE_DIR})

install(TARGETS dmremap-cli dmremapd RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(FILES ${dmremap_src}/man/dmremap.8 ${dmremap_src}/man/dmremapd.8
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${dmremap_src}/man/dm-remap.7 DESTINATION ${CMAKE_INSTALL_MANDIR}/man7)
install(FILES ${dmremap_src}/contrib/bash-completion/dmremap ${dmremap_src}/contrib/bash-completion/dmremapd
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)

if(DMREMAP_SYSTEMD_UNIT_DIR)
    install(FILES ${dmremap_src}/userspace/daemon/dmremapd.service
            DESTINATION ${DMREMAP_SYSTEMD_UNIT_DIR})
endif()
# The monitoring files an admin uses; not their tests (the rules' unit tests
# and contrib/tests/ run in this tree only).
set(dmremap_share ${CMAKE_INSTALL_DATADIR}/dmremap)
install(FILES ${dmremap_src}/contrib/README.md DESTINATION ${dmremap_share})
install(FILES ${dmremap_src}/contrib/prometheus/dmremap-rules.yml DESTINATION ${dmremap_share}/prometheus)
install(FILES ${dmremap_src}/contrib/grafana/dmremap-dashboard.json DESTINATION ${dmremap_share}/grafana)

if(DMREMAP_DKMS_SOURCE_DIR)
    # Exactly what `make -C <kernel build> M=<tree>` needs, and dkms.conf.
    install(FILES ${dmremap_src}/dkms.conf ${dmremap_src}/VERSION ${dmremap_src}/Kbuild
            DESTINATION ${DMREMAP_DKMS_SOURCE_DIR})
    file(GLOB dmremap_kernel_sources CONFIGURE_DEPENDS
         ${dmremap_src}/kernel/*.c ${dmremap_src}/kernel/*.h)
    install(FILES ${dmremap_src}/kernel/Kbuild ${dmremap_kernel_sources}
            DESTINATION ${DMREMAP_DKMS_SOURCE_DIR}/kernel)
    install(FILES ${dmremap_src}/include/uapi/dm-remap.h
            DESTINATION ${DMREMAP_DKMS_SOURCE_DIR}/include/uapi)
endif()
